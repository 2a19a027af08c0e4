// A seeded generator of mutated DICOM files for the fuzz tests: plausible slices in every syntax
// ichdetect reads (plus a real CT), each broken by bit flips, truncation, rewritten length fields or
// hostile attribute values; the same seed gives the same files.
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { seededRandom } from '../../src/shared/random.js';
import { type EncodeCodec, encodeFrame } from '../../src/dicom/codecs/encode.js';
import { IMPLICIT_LITTLE_UID } from '../../src/dicom/syntax.js';
import { encodeCtSlice } from '../../src/dicom/write.js';
import { dcmtk } from './dcmtk.js';
import { headSlice } from './hostile.js';
import { pydicomFile, type TempDir } from './paths.js';

export interface FuzzFile {
  name: string;
  bytes: Buffer;
  /** Its SOPInstanceUID, ending in 5 digits that mutants replace (so that each is a slice of its own, not a duplicate). */
  sop?: string;
}

/** The unbroken files mutations start from: the head slice natively (explicit, implicit, deflated), in each codec, and pydicom's CT_small. */
export async function fuzzBases(tmp: TempDir): Promise<FuzzFile[]> {
  const slice = (k: number) => headSlice(`1.2.826.0.1.3680043.10.1017.9.${k}`, { sopInstanceUID: `1.2.826.0.1.3680043.10.1017.9.${k}.10000` });
  const ctSmall = readFileSync(pydicomFile('CT_small.dcm'));
  const bases: FuzzFile[] = [
    { name: 'explicit', bytes: Buffer.from(encodeCtSlice(slice(1))), sop: slice(1).sopInstanceUID },
    { name: 'implicit', bytes: Buffer.from(encodeCtSlice({ ...slice(2), transferSyntaxUID: IMPLICIT_LITTLE_UID })), sop: slice(2).sopInstanceUID },
    { name: 'ct-small', bytes: ctSmall, sop: dicomParser.parseDicom(ctSmall, { untilTag: 'x7fe00010' }).string('x00080018')!.trim() },
  ];
  for (const [k, codec] of (['rle', 'jpeg-ls', 'jpeg-2000', 'jpeg-lossless'] as EncodeCodec[]).entries()) {
    const s = slice(10 + k);
    const frame = await encodeFrame(codec, s.pixels as Int16Array, { rows: 64, columns: 64, bitsStored: 16, pixelRepresentation: 1 });
    bases.push({ name: codec, bytes: Buffer.from(encodeCtSlice({ ...s, pixels: frame })), sop: s.sopInstanceUID });
  }
  writeFileSync(tmp.file('fuzz-plain.dcm'), encodeCtSlice(slice(20)));
  dcmtk('dcmconv', ['+td', tmp.file('fuzz-plain.dcm'), tmp.file('fuzz-deflated.dcm')]);
  bases.push({ name: 'deflated', bytes: readFileSync(tmp.file('fuzz-deflated.dcm')), sop: slice(20).sopInstanceUID });
  return bases;
}

/** Offsets of the 4-byte length fields of the top-level elements dicom-parser finds (explicit VR: 2 bytes for short VRs). */
function lengthFields(bytes: Buffer): { offset: number; size: 2 | 4 }[] {
  try {
    const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    // Explicit VR with a short VR: 2-byte length before the value; long VRs and implicit VR: 4 bytes.
    return Object.values(ds.elements)
      .map((el) => (el.vr && !['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(el.vr) ? { offset: el.dataOffset - 2, size: 2 as const } : { offset: el.dataOffset - 4, size: 4 as const }))
      .filter((f) => f.offset > 0);
  } catch {
    return [];
  }
}

const HOSTILE_US = [0, 1, 2, 5, 7, 8, 12, 15, 16, 17, 32, 4096, 4097, 16384, 65535];
const HOSTILE_LENGTHS = [0, 1, 3, 0xfffffffe, 0xffffffff, 0x7fffffff, 0x10000];
/** US attributes a broken writer gets wrong: Rows, Columns, BitsAllocated, BitsStored, HighBit, PixelRepresentation, SamplesPerPixel. */
const US_TAGS = [[0x0028, 0x0010], [0x0028, 0x0011], [0x0028, 0x0100], [0x0028, 0x0101], [0x0028, 0x0102], [0x0028, 0x0103], [0x0028, 0x0002]] as const;

function findUs(bytes: Buffer, group: number, element: number): number | undefined {
  const tag = Buffer.from([group & 0xff, group >> 8, element & 0xff, element >> 8]);
  const at = bytes.indexOf(tag, 132);
  if (at < 0) return undefined;
  return at + 8; // tag, then VR and 2-byte length (explicit) or a 4-byte length (implicit)
}

/** The base with the last 5 digits of its SOPInstanceUID replaced by `n` (inside the zlib stream of a Deflated file). */
function withSop(base: FuzzFile, n: number): Buffer {
  if (!base.sop) return Buffer.from(base.bytes);
  const from = Buffer.from(base.sop);
  const to = Buffer.from(base.sop.slice(0, -5) + String(n).padStart(5, '0').slice(-5));
  const replace = (b: Buffer) => {
    for (let at = b.indexOf(from); at >= 0; at = b.indexOf(from, at + 1)) to.copy(b, at);
    return b;
  };
  const b = replace(Buffer.from(base.bytes));
  if (base.name !== 'deflated') return b;
  const metaEnd = 144 + b.readUInt32LE(140);
  return Buffer.concat([b.subarray(0, metaEnd), deflateRawSync(replace(inflateRawSync(b.subarray(metaEnd))))]);
}

/** `count` mutants of each base, deterministic in `seed`. */
export function mutate(bases: readonly FuzzFile[], count: number, seed: number): FuzzFile[] {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const out: FuzzFile[] = [];
  for (const base of bases) {
    const fields = lengthFields(base.bytes);
    for (let k = 0; k < count; k++) {
      const b = withSop(base, 10001 + k);
      const kind = k % 4;
      let what: string;
      if (kind === 0) {
        // Bit flips, mostly in the header where they change meaning rather than one pixel.
        const flips = 1 + int(8);
        for (let f = 0; f < flips; f++) {
          const at = random() < 0.7 ? 128 + int(Math.min(b.length - 128, 1500)) : int(b.length);
          b[at]! ^= 1 << int(8);
        }
        what = `flip${flips}`;
      } else if (kind === 1) {
        const cut = 1 + int(b.length - 1);
        out.push({ name: `${base.name}-${k}-cut${cut}`, bytes: b.subarray(0, cut) });
        continue;
      } else if (kind === 2 && fields.length) {
        const f = fields[int(fields.length)]!;
        const value = f.size === 2 ? [0, 1, 3, 0xffff, 0x8000][int(5)]! : HOSTILE_LENGTHS[int(HOSTILE_LENGTHS.length)]!;
        if (f.size === 2) b.writeUInt16LE(value, f.offset);
        else b.writeUInt32LE(value, f.offset);
        what = `len@${f.offset}=${value}`;
      } else {
        const [group, element] = US_TAGS[int(US_TAGS.length)]!;
        const at = findUs(b, group, element);
        const value = HOSTILE_US[int(HOSTILE_US.length)]!;
        if (at !== undefined && at + 2 <= b.length) b.writeUInt16LE(value, at);
        what = `us${element.toString(16)}=${value}`;
      }
      out.push({ name: `${base.name}-${k}-${what}`, bytes: b });
    }
  }
  return out;
}
