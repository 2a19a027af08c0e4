import dcmjs, { type DenaturalizedDataset, type DicomElement } from 'dcmjs';
import { EXPLICIT_LITTLE_UID, IMPLICIT_LITTLE_UID } from './syntax.js';

const { DicomDict, DicomMessage, DicomMetaDictionary, WriteBufferStream } = dcmjs.data;

/**
 * Element encodings by (syntax, tag, VR, value). dcmjs spends ~30 µs per element (it builds several
 * buffer streams for each), ~1 ms for a CT header; most elements repeat across a series, so each is
 * encoded by dcmjs once and its bytes reused.
 */
const cache = new Map<string, Uint8Array>();
const CACHE_LIMIT = 4096;
/** Elements that change on every slice: not worth caching. */
const PER_SLICE = new Set(['00020003', '00080018', '00200013', '00200032', '00201041']);

function cacheKey(syntax: string, tag: string, el: DicomElement): string {
  const values = el.Value.map((v) => (v instanceof ArrayBuffer ? `0x${Buffer.from(v).toString('hex')}` : v));
  return `${syntax}|${tag}|${el.vr}|${JSON.stringify(values)}`;
}

/** One element as dcmjs writes it (tag, VR, length, padded value) in `syntax`. */
function encodeElement(tag: string, el: DicomElement, syntax: string): Uint8Array {
  const cacheable = !PER_SLICE.has(tag);
  const key = cacheable ? cacheKey(syntax, tag, el) : '';
  const hit = cacheable ? cache.get(key) : undefined;
  if (hit) return hit;
  const stream = new WriteBufferStream(64, true);
  DicomMessage.write({ [tag]: el }, stream, syntax, { allowInvalidVRLength: false });
  const bytes = new Uint8Array(stream.getBuffer());
  if (cacheable) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, bytes);
  }
  return bytes;
}

function encodeGroup(ds: DenaturalizedDataset, syntax: string): Uint8Array[] {
  return Object.keys(ds)
    .sort()
    .map((tag) => encodeElement(tag, ds[tag]!, syntax));
}

function byteLength(parts: Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.byteLength, 0);
}

/**
 * The bytes of a Part 10 file up to (not including) PixelData: 128-byte preamble, "DICM", the
 * meta group (explicit VR little endian, with its group length) and the data set in `syntaxUid`
 * (encapsulated syntaxes encode the data set as explicit VR little endian). Byte-identical to
 * dcmjs's DicomDict.write() of the same data sets, as one list of parts to write out in order.
 */
export function encodeHeaderParts(meta: Record<string, unknown>, dataset: Record<string, unknown>, syntaxUid: string): Uint8Array[] {
  const datasetSyntax = syntaxUid === IMPLICIT_LITTLE_UID ? IMPLICIT_LITTLE_UID : EXPLICIT_LITTLE_UID;
  const metaParts = encodeGroup(DicomMetaDictionary.denaturalizeDataset({ ...meta, TransferSyntaxUID: syntaxUid }), EXPLICIT_LITTLE_UID);
  const groupLength = DicomMetaDictionary.denaturalizeDataset({ FileMetaInformationGroupLength: byteLength(metaParts) });
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  return [
    preamble,
    ...encodeGroup(groupLength, EXPLICIT_LITTLE_UID),
    ...metaParts,
    ...encodeGroup(DicomMetaDictionary.denaturalizeDataset(dataset), datasetSyntax),
  ];
}

/** The same header (or a whole data set, PixelData included) written by dcmjs in one DicomDict.write() call: the slow reference for tests, and encodeDataset's writer. */
export function encodeHeaderWithDicomDict(meta: Record<string, unknown>, dataset: Record<string, unknown>, syntaxUid: string): Uint8Array {
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset({ ...meta, TransferSyntaxUID: syntaxUid }));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
