// A DICOM file's attributes by keyword, as dcmjs naturalizes them (strings in UTF-8, sequences as
// arrays of items): what the writers of derived objects copy from a source instance. Text in ISO 2022
// code extensions (Japanese, Korean, Chinese: several Specific Character Set values), which dcmjs
// refuses, is read byte for byte and decoded by iso2022.ts.
import { readFileSync } from 'node:fs';
import dcmjs from 'dcmjs';
import { decodeIso2022, needsIso2022 } from './iso2022.js';
import { parseDicomBytes } from './parse.js';

const { DicomMessage, DicomMetaDictionary } = dcmjs.data;

type Elements = Record<string, { vr: string; Value?: unknown[]; _rawValue?: unknown }>;

/** UI values as stored: dcmjs keeps only digits and dots of a UID when it reads one, which would change RSNA-style `ID_<hex>` identifiers. */
function rawUids(elements: Elements): Elements {
  for (const el of Object.values(elements)) {
    if (el.vr === 'UI' && el._rawValue !== undefined) el.Value = ([] as unknown[]).concat(el._rawValue);
    else if (el.vr === 'SQ') for (const item of (el.Value ?? []) as Elements[]) rawUids(item);
  }
  return elements;
}

/** Where the Specific Character Set value lies in `b`, and its values (from the project's own header parse), or undefined when there is none. */
function specificCharacterSet(b: Buffer): { offset: number; length: number; values: string[] } | undefined {
  const { dataSet } = parseDicomBytes(b, { untilPixelData: true, isWholeFile: true });
  const el = dataSet.elements.x00080005;
  // A deflated data set is parsed from inflated bytes: its offsets do not point into `b`.
  if (!el || dataSet.byteArray !== b) return undefined;
  return { offset: el.dataOffset, length: el.length, values: b.toString('latin1', el.dataOffset, el.dataOffset + el.length).split('\\').map((v) => v.trim()) };
}

const TEXT_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'PN', 'UC', 'UT']);

/** Text elements read as Latin-1 (byte for byte) decoded again in the ISO 2022 `charsets`, in place. */
function decodeText(elements: Elements, charsets: readonly string[]): void {
  const again = (s: string) => decodeIso2022(Buffer.from(s, 'latin1'), charsets);
  for (const el of Object.values(elements)) {
    if (el.vr === 'SQ') for (const item of (el.Value ?? []) as Elements[]) decodeText(item, charsets);
    if (!TEXT_VRS.has(el.vr) || !el.Value) continue;
    if (el.vr !== 'PN') {
      el.Value = el.Value.map((v) => (typeof v === 'string' ? again(v) : v));
      continue;
    }
    // Name groups joined as stored (=), decoded whole (a kanji may hold the byte of "="), split again.
    el.Value = el.Value.map((v) => {
      const groups = v as Record<string, string | undefined>;
      const [Alphabetic, Ideographic, Phonetic] = again([groups.Alphabetic ?? '', groups.Ideographic ?? '', groups.Phonetic ?? ''].join('=').replace(/=+$/, '')).split('=');
      return { Alphabetic, ...(Ideographic !== undefined ? { Ideographic } : {}), ...(Phonetic !== undefined ? { Phonetic } : {}) };
    });
  }
}

/** A Part 10 file's attributes by keyword (dcmjs naturalized, strings in UTF-8), up to PixelData unless `withPixels`. */
export function readDataset(bytes: Uint8Array, withPixels = false): Record<string, unknown> {
  let b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const charset = specificCharacterSet(b);
  const extended = charset && needsIso2022(charset.values);
  if (extended) {
    // dcmjs decodes one character set only: let it read every byte as Latin-1, then decode the text here.
    if (charset.length < 10) throw new Error(`Specific Character Set ${charset.values.join('\\')}: cannot be read`);
    b = Buffer.from(b);
    b.write('ISO_IR 100'.padEnd(charset.length, ' '), charset.offset, 'latin1');
  }
  const buffer = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const file = DicomMessage.readFile(buffer, { forceStoreRaw: true, ...(withPixels ? {} : { untilTag: '7FE00010' }) });
  const elements = rawUids(file.dict as Elements);
  if (extended) decodeText(elements, charset.values);
  return DicomMetaDictionary.naturalizeDataset(elements as typeof file.dict);
}

/** The attributes of a stored instance up to PixelData. */
export const readInstance = (path: string) => readDataset(readFileSync(path));
