// A DICOM file's attributes by keyword, as dcmjs naturalizes them (strings in UTF-8, sequences as
// arrays of items): what the writers of derived objects copy from a source instance. Text in ISO 2022
// code extensions (Japanese, Korean, Chinese: several Specific Character Set values), which dcmjs
// refuses, is read byte for byte and decoded by iso2022.ts.
import { readFileSync } from 'node:fs';
import dcmjs from 'dcmjs';
import { decodeIso2022, needsIso2022 } from './iso2022.js';

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

/** Where a Part 10 file's Specific Character Set value lies, and its values (undefined when the data set has none before (0008,0006)). */
function specificCharacterSet(b: Buffer): { offset: number; length: number; values: string[] } | undefined {
  if (b.length < 144 || b.toString('latin1', 128, 132) !== 'DICM') return undefined;
  let at = 144 + b.readUInt32LE(140);
  const syntax = b.toString('latin1', 132, at).match(/1\.2\.840\.10008\.1\.2(\.[0-9.]+)?/g)?.at(-1);
  const implicit = syntax === '1.2.840.10008.1.2';
  while (at + 8 <= b.length) {
    const tag = b.readUInt16LE(at) * 0x10000 + b.readUInt16LE(at + 2);
    if (tag > 0x00080005) return undefined;
    const vr = b.toString('latin1', at + 4, at + 6);
    const long = implicit || ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV'].includes(vr);
    const header = implicit ? 8 : long ? 12 : 8;
    const length = implicit ? b.readUInt32LE(at + 4) : long ? b.readUInt32LE(at + 8) : b.readUInt16LE(at + 6);
    if (tag === 0x00080005) return { offset: at + header, length, values: b.toString('latin1', at + header, at + header + length).split('\\').map((v) => v.trim()) };
    if (length === 0xffffffff) return undefined;
    at += header + length;
  }
  return undefined;
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
