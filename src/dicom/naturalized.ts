// A DICOM file's attributes by keyword, as dcmjs naturalizes them (strings in UTF-8, sequences as
// arrays of items): what the writers of derived objects copy from a source instance.
import { readFileSync } from 'node:fs';
import dcmjs from 'dcmjs';

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

/** A Part 10 file's attributes by keyword (dcmjs naturalized, strings in UTF-8), up to PixelData unless `withPixels`. */
export function readDataset(bytes: Uint8Array, withPixels = false): Record<string, unknown> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const file = DicomMessage.readFile(buffer, { forceStoreRaw: true, ...(withPixels ? {} : { untilTag: '7FE00010' }) });
  return DicomMetaDictionary.naturalizeDataset(rawUids(file.dict as Elements) as typeof file.dict);
}

/** The attributes of a stored instance up to PixelData. */
export const readInstance = (path: string) => readDataset(readFileSync(path));
