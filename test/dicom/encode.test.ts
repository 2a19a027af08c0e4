// The encode seam (src/dicom/codecs/encode.ts): every codec, on signed and unsigned synthetic CT slices
// of 512×512 and an odd size, must give back exactly the stored values and HU through our loader, through
// Debian pydicom (GDCM), and (RLE, JPEG lossless, JPEG-LS) through dcmtk's decompressors.
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/shared/random.js';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import dicomParser from 'dicom-parser';
import { Decoder } from 'jpeg-lossless-decoder-js';
import { ENCODE_TRANSFER_SYNTAX, type EncodeCodec, encodeFrame } from '../../src/dicom/codecs/encode.js';
import { decodeFrame } from '../../src/dicom/codecs/index.js';
import { huffmanCodeSizes } from '../../src/dicom/codecs/jpeg-lossless-encode.js';
import { loadSlice } from '../../src/dicom/load.js';
import { readDicomFile } from '../../src/dicom/read.js';
import { type EncapsulatedFrame, encodeCtSlice, writeCtSlice } from '../../src/dicom/write.js';
import { dcmtk } from '../helpers/dcmtk.js';
import { assertHuClose } from '../helpers/hu.js';
import { TempDir } from '../helpers/paths.js';
import { type PydicomReference, pydicomReference } from '../helpers/pydicom.js';

const CODECS: EncodeCodec[] = ['rle', 'jpeg-lossless', 'jpeg-ls', 'jpeg-2000'];
const DCMTK_DECODER: Partial<Record<EncodeCodec, string>> = { rle: 'dcmdrle', 'jpeg-lossless': 'dcmdjpeg', 'jpeg-ls': 'dcmdjpls' };

interface Variant {
  name: string;
  pixelRepresentation: 0 | 1;
  bitsStored: number;
  intercept: number;
  /** Stored range of the synthetic values (both ends occur). */
  min: number;
  max: number;
  /** Stored value outside the scan circle, also written as PixelPaddingValue when `padded`. */
  outside: number;
  padded: boolean;
  /** Stored values of bone and brain. */
  bone: [number, number];
  brain: number;
}

const VARIANTS: Variant[] = [
  { name: 'int16, intercept -1024, -2000..3000 with -2000 padding', pixelRepresentation: 1, bitsStored: 16, intercept: -1024, min: -2000, max: 3000, outside: -2000, padded: true, bone: [2000, 3000], brain: 1064 },
  { name: 'uint16, 12 bits, intercept -1024', pixelRepresentation: 0, bitsStored: 12, intercept: -1024, min: 0, max: 4095, outside: 0, padded: false, bone: [2500, 4095], brain: 1064 },
  // Signed with fewer bits than allocated: where JPEG and JPEG-LS (unsigned codestreams) could lose the sign.
  { name: 'int16, 12 bits signed, intercept 0, -2000 padding', pixelRepresentation: 1, bitsStored: 12, intercept: 0, min: -2048, max: 2047, outside: -2000, padded: true, bone: [1000, 2047], brain: 40 },
];

const SIZES: [number, number][] = [
  [512, 512],
  [47, 65], // rows, columns: odd, and not a multiple of any block size
];

/** A head-like slice with noise: padding outside the scan circle, a bone ring, noisy brain, 1% values anywhere in range. */
function syntheticSlice(v: Variant, rows: number, columns: number, seed: number): Int16Array | Uint16Array {
  const random = seededRandom(seed);
  const px = v.pixelRepresentation === 1 ? new Int16Array(rows * columns) : new Uint16Array(rows * columns);
  const cy = rows / 2;
  const cx = columns / 2;
  const radius = Math.min(rows, columns) * 0.46;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const d = Math.hypot(r - cy, c - cx) / radius;
      let s: number;
      if (d > 1) s = v.outside;
      else if (random() < 0.01) s = v.min + Math.floor(random() * (v.max - v.min + 1));
      else if (d > 0.88) s = v.bone[0] + Math.floor(random() * (v.bone[1] - v.bone[0] + 1));
      else s = v.brain + Math.round((random() + random() + random() - 1.5) * 40);
      px[r * columns + c] = Math.min(v.max, Math.max(v.min, s));
    }
  }
  px[1] = v.min; // both ends of the range, away from the last pixel (which stays padding)
  px[2] = v.max;
  return px;
}

/** HU as the standard defines them, plus our one rule: padding pixels above air become air. */
function expectedHu(v: Variant, px: ArrayLike<number>): Float32Array {
  return Float32Array.from(px, (s) => {
    const hu = s + v.intercept;
    return v.padded && s === v.outside && hu > -1000 ? -1000 : hu;
  });
}

function sliceHeader(v: Variant, rows: number, columns: number, k: number) {
  return {
    sopInstanceUID: `1.2.826.0.1.3680043.10.1001.${k + 1}`,
    studyInstanceUID: '1.2.826.0.1.3680043.10.1001',
    seriesInstanceUID: '1.2.826.0.1.3680043.10.1001.0',
    patientID: 'ENCODE-TEST',
    rows,
    columns,
    bitsStored: v.bitsStored,
    pixelRepresentation: v.pixelRepresentation,
    rescaleSlope: 1,
    rescaleIntercept: v.intercept,
    pixelPaddingValue: v.padded ? v.outside : undefined,
  };
}

function fragmentOf(path: string): Uint8Array {
  const file = readDicomFile(path);
  const el = file.dataSet.elements['x7fe00010']!;
  return dicomParser.readEncapsulatedPixelDataFromFragments(file.dataSet, el, 0, el.fragments!.length);
}

/** Index of marker `code` (e.g. 0xffc3) in a JPEG or JPEG-LS header, or -1. */
function markerAt(bytes: Uint8Array, code: number): number {
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === (code & 0xff)) return i;
  return -1;
}

/** Decodes a JPEG lossless codestream with the bare jpeg-lossless-decoder-js (no workaround of ours). */
function bareJpegLosslessDecode(codestream: Uint8Array): Uint16Array {
  const copy = new Uint8Array(codestream);
  return new Decoder().decode(copy.buffer, 0, copy.byteLength, 2) as Uint16Array;
}

/**
 * True when predictor-1 coding of `px` with the frame's optimal Huffman table would end the data on
 * a byte boundary right after a code without extra bits: the case jpeg-lossless-decoder-js gets wrong.
 */
function endsByteAligned(px: Uint16Array, columns: number, precision: number): boolean {
  const category = (d: number) => (d === 0 ? 0 : 32 - Math.clz32(Math.abs(d)));
  const freq = new Array<number>(17).fill(0);
  let lastCategory = 0;
  px.forEach((x, i) => {
    const p = i % columns > 0 ? px[i - 1]! : i >= columns ? px[i - columns]! : 1 << (precision - 1);
    lastCategory = category(((x - p) << 16) >> 16);
    freq[lastCategory]!++;
  });
  const sizes = huffmanCodeSizes(freq);
  const bits = freq.reduce((n, f, s) => n + f * (sizes[s]! + (s < 16 ? s : 0)), 0);
  return bits % 8 === 0 && (lastCategory === 0 || lastCategory === 16);
}

interface Case {
  name: string;
  variant: Variant;
  codec: EncodeCodec;
  rows: number;
  columns: number;
  pixels: Int16Array | Uint16Array;
  frame: EncapsulatedFrame;
  path: string;
  /** dcmtk's decompressed copy, when dcmtk has a decompressor for the codec. */
  dcmtkPath?: string;
}

describe('encodeFrame: lossless round trips through ichdetect, pydicom (GDCM) and dcmtk', () => {
  const tmp = new TempDir('ichdetect-encode-');
  const cases: Case[] = [];
  let refs: PydicomReference[] = [];

  before(async () => {
    let k = 0;
    for (const variant of VARIANTS) {
      for (const [rows, columns] of SIZES) {
        const pixels = syntheticSlice(variant, rows, columns, 1000 + k);
        for (const codec of CODECS) {
          const frame = await encodeFrame(codec, pixels, { rows, columns, bitsStored: variant.bitsStored, pixelRepresentation: variant.pixelRepresentation });
          const path = tmp.file(`case-${k}.dcm`);
          writeCtSlice(path, { ...sliceHeader(variant, rows, columns, k), pixels: frame });
          const tool = DCMTK_DECODER[codec];
          let dcmtkPath: string | undefined;
          if (tool) {
            dcmtkPath = tmp.file(`case-${k}-${tool}.dcm`);
            dcmtk(tool, [path, dcmtkPath]); // throws (failing the suite) on any dcmtk error
          }
          cases.push({ name: `${codec}, ${variant.name}, ${columns}×${rows}`, variant, codec, rows, columns, pixels, frame, path, dcmtkPath });
          k++;
        }
      }
    }
    refs = pydicomReference(cases.map((c) => c.path));
  });
  after(() => tmp.remove());

  test('each codec writes its lossless transfer syntax, one fragment', () => {
    assert.equal(cases.length, VARIANTS.length * SIZES.length * CODECS.length);
    for (const c of cases) {
      assert.equal(c.frame.transferSyntaxUID, ENCODE_TRANSFER_SYNTAX[c.codec], c.name);
      assert.equal(c.frame.fragments.length, 1, c.name);
      assert.equal(readDicomFile(c.path).header.transferSyntaxUID, ENCODE_TRANSFER_SYNTAX[c.codec], c.name);
    }
    assert.deepEqual(ENCODE_TRANSFER_SYNTAX, {
      rle: '1.2.840.10008.1.2.5',
      'jpeg-ls': '1.2.840.10008.1.2.4.80',
      'jpeg-lossless': '1.2.840.10008.1.2.4.70',
      'jpeg-2000': '1.2.840.10008.1.2.4.90',
    });
  });

  test('codestream headers: lossless parameters, and the precision and sign the DICOM header implies', () => {
    for (const c of cases) {
      const cs = fragmentOf(c.path);
      const signed = c.variant.pixelRepresentation === 1;
      // JPEG and JPEG-LS carry no sign: signed values are coded as 16-bit two's complement words.
      const unsignedPrecision = signed ? 16 : c.variant.bitsStored;
      if (c.codec === 'jpeg-lossless') {
        const sof = markerAt(cs, 0xffc3);
        assert.ok(sof > 0, `${c.name}: no SOF3`);
        assert.equal(cs[sof + 4], unsignedPrecision, `${c.name}: precision`);
        const sos = markerAt(cs, 0xffda);
        assert.deepEqual([...cs.subarray(sos + 4, sos + 10)], [1, 1, 0x00, 1, 0, 0], `${c.name}: SOS (predictor 1, Pt 0)`);
      } else if (c.codec === 'jpeg-ls') {
        const sof = markerAt(cs, 0xfff7);
        assert.ok(sof > 0, `${c.name}: no SOF55`);
        assert.equal(cs[sof + 4], unsignedPrecision, `${c.name}: precision`);
        const sos = markerAt(cs, 0xffda);
        assert.equal(cs[sos + 7], 0, `${c.name}: NEAR must be 0`);
      } else if (c.codec === 'jpeg-2000') {
        assert.deepEqual([...cs.subarray(0, 4)], [0xff, 0x4f, 0xff, 0x51], `${c.name}: SOC, SIZ`);
        const ssiz = cs[42]!; // SIZ: Lsiz, Rsiz, 8 × 4 bytes of geometry, Csiz, then Ssiz of component 0
        assert.equal(ssiz & 0x80 ? 1 : 0, c.variant.pixelRepresentation, `${c.name}: component sign`);
        assert.equal((ssiz & 0x7f) + 1, c.variant.bitsStored, `${c.name}: component precision`);
        const cod = markerAt(cs, 0xff52);
        assert.equal(cs[cod + 13], 1, `${c.name}: wavelet must be reversible 5/3`);
        assert.equal(cs[cod + 8], 0, `${c.name}: no multiple component transform`);
      }
    }
  });

  test('our loader gives exactly the original stored values and HU, with no masking quirk', async () => {
    for (const c of cases) {
      const slice = await loadSlice(c.path, { requireCt: true });
      assertHuClose(slice.stored, c.pixels, 0, `${c.name} stored values`);
      assertHuClose(slice.hu, expectedHu(c.variant, c.pixels), 0, `${c.name} HU`);
      const names = slice.quirks.map((q) => q.name);
      assert.ok(!names.includes('unsigned-codestream') && !names.includes('masked-to-bits-stored'), `${c.name}: ${names.join(', ')}`);
      assert.equal(names.includes('pixel-padding'), c.variant.padded, `${c.name}: ${names.join(', ')}`);
    }
  });

  test('Debian pydicom (GDCM) decodes the same stored values and HU', () => {
    cases.forEach((c, i) => {
      const ref = refs[i]!;
      assert.equal(ref.transferSyntaxUID, ENCODE_TRANSFER_SYNTAX[c.codec], c.name);
      assert.equal(ref.rows, c.rows);
      assert.equal(ref.columns, c.columns);
      assertHuClose(ref.stored, c.pixels, 0, `${c.name}: pydicom stored values`);
      assertHuClose(ref.hu, expectedHu(c.variant, c.pixels), 0, `${c.name}: pydicom HU`);
    });
  });

  test("dcmtk's dcmdrle / dcmdjpeg / dcmdjpls decompress to the same HU", async () => {
    const checked = cases.filter((c) => c.dcmtkPath);
    assert.equal(checked.length, cases.length - cases.filter((c) => c.codec === 'jpeg-2000').length);
    for (const c of checked) {
      const slice = await loadSlice(c.dcmtkPath!);
      assert.equal(slice.file.header.transferSyntaxUID, '1.2.840.10008.1.2.1', `${c.name}: dcmtk output syntax`);
      assertHuClose(slice.hu, expectedHu(c.variant, c.pixels), 0, `${c.name} via ${DCMTK_DECODER[c.codec]}`);
    }
  });
});

describe('encodeFrame: input checks', () => {
  const info12 = { rows: 2, columns: 3, bitsStored: 12, pixelRepresentation: 0 as const };

  test('values outside BitsStored are refused by the JPEG codecs, naming the pixel', async () => {
    for (const codec of ['jpeg-lossless', 'jpeg-ls', 'jpeg-2000'] as const) {
      await assert.rejects(encodeFrame(codec, Uint16Array.of(0, 1, 2, 3, 4096, 5), info12), /pixel 4 \(row 1, column 1\) is 4096, outside 0\.\.4095/);
      await assert.rejects(
        encodeFrame(codec, Int16Array.of(0, -2049, 2, 3, 4, 5), { ...info12, pixelRepresentation: 1 }),
        /pixel 1 \(row 0, column 1\) is -2049, outside -2048\.\.2047/,
      );
      await assert.rejects(encodeFrame(codec, Int16Array.of(0, -1, 2, 3, 4, 5), info12), /is 65535, outside 0\.\.4095/);
    }
  });

  test('RLE keeps whole 16-bit words, bits above BitsStored included', async () => {
    const px = Uint16Array.of(0, 1, 0xf000, 3, 4096, 5);
    const frame = await encodeFrame('rle', px, info12);
    const tmp = new TempDir('ichdetect-encode-');
    try {
      const path = tmp.file('rle.dcm');
      writeCtSlice(path, { ...sliceHeader(VARIANTS[1]!, 2, 3, 0), pixels: frame });
      assert.deepEqual([...(await loadSlice(path)).stored], [...px]);
    } finally {
      tmp.remove();
    }
  });

  test('geometry, precision and codec are checked', async () => {
    await assert.rejects(encodeFrame('rle', new Uint16Array(5), info12), /5 pixels given, rows × columns = 2 × 3 = 6/);
    await assert.rejects(encodeFrame('jpeg-lossless', new Uint16Array(6), { ...info12, bitsStored: 17 }), /BitsStored 17/);
    await assert.rejects(encodeFrame('jpeg-lossless', new Uint16Array(0), { ...info12, rows: 0, columns: 3 }), /rows 0/);
    await assert.rejects(encodeFrame('jpeg-ls', new Uint16Array(6), { ...info12, bitsStored: 8 }), /precision 8 is not supported/);
    await assert.rejects(encodeFrame('jpeg-2000', new Uint16Array(6), { ...info12, bitsStored: 8 }), /precision 8 is not supported/);
    await assert.rejects(encodeFrame('jpeg-xl' as EncodeCodec, new Uint16Array(6), info12), /codec "jpeg-xl"/);
  });
});

describe('JPEG lossless: Huffman tables and the end of the entropy-coded data', () => {
  test('code lengths stay within 16 bits and leave the all-ones code free, even for skewed counts', () => {
    const fibonacci = [1, 1];
    while (fibonacci.length < 17) fibonacci.push(fibonacci.at(-1)! + fibonacci.at(-2)!);
    for (const freq of [fibonacci, fibonacci.map((f, i) => (i % 3 === 0 ? 0 : f)), [5, ...new Array<number>(16).fill(0)], new Array<number>(17).fill(1)]) {
      const sizes = huffmanCodeSizes(freq);
      let kraft = 0;
      freq.forEach((f, s) => {
        assert.equal(sizes[s]! > 0, f > 0, `symbol ${s} (count ${f}) has length ${sizes[s]}`);
        assert.ok(sizes[s]! <= 16, `symbol ${s}: length ${sizes[s]}`);
        if (sizes[s]) kraft += 2 ** -sizes[s]!;
      });
      assert.ok(kraft < 1, `Kraft sum ${kraft}: the all-ones code would be used`);
    }
  });

  test('frames whose data would end on a byte boundary decode with the bare jpeg-lossless-decoder-js too', async () => {
    // That decoder drops the last sample when its code has no extra bits and ends the data on a byte
    // boundary; the encoder lengthens one code (or, when no code can do it, adds a padding byte).
    const tmp = new TempDir('ichdetect-encode-');
    try {
      const frames: { px: Uint16Array; rows: number; columns: number }[] = [];
      for (let w = 9; w < 41; w++) {
        const px = Uint16Array.from({ length: w * 5 }, (_, i) => (i * 7919 + w * 31) % 300);
        px[px.length - 1] = px[px.length - 2]!; // last difference 0
        frames.push({ px, rows: 5, columns: w });
      }
      // No code can fix this one: 8 differences of category 1, then 8 of category 0, fill exactly 32 bits.
      const unfixable = { px: Uint16Array.from({ length: 16 }, (_, i) => 32769 + Math.min(i, 7)), rows: 1, columns: 16 };
      frames.push(unfixable);
      const aligned = frames.filter((f) => endsByteAligned(f.px, f.columns, 16));
      assert.ok(aligned.length >= 2 && aligned.includes(unfixable), `${aligned.length} frames would end on a byte boundary: the test lost its teeth`);
      for (const [k, { px, rows, columns }] of frames.entries()) {
        const frame = await encodeFrame('jpeg-lossless', px, { rows, columns, bitsStored: 16, pixelRepresentation: 0 });
        const cs = frame.fragments[0]!;
        assert.deepEqual([...bareJpegLosslessDecode(cs)], [...px], `${columns}×${rows}`);
        const path = tmp.file(`f${k}.dcm`);
        writeFileSync(path, encodeCtSlice({ ...sliceHeader(VARIANTS[1]!, rows, columns, k), bitsStored: 16, pixels: frame }));
        dcmtk('dcmdjpeg', [path, tmp.file(`f${k}-d.dcm`)]);
        assert.deepEqual([...(await decodeFrame(readDicomFile(tmp.file(`f${k}-d.dcm`)))).data], [...px], `${columns}×${rows} via dcmdjpeg`); // stored values only: these HU are no CT's
      }
      const last = await encodeFrame('jpeg-lossless', unfixable.px, { rows: 1, columns: 16, bitsStored: 16, pixelRepresentation: 0 });
      assert.deepEqual([...last.fragments[0]!.subarray(-4)], [0xff, 0x00, 0xff, 0xd9], 'a stuffed padding byte of 1-bits before EOI');
      const paths = frames.map((_, k) => tmp.file(`f${k}.dcm`));
      pydicomReference(paths).forEach((ref, k) => assertHuClose(ref.stored, frames[k]!.px, 0, `pydicom, frame ${k}`));
    } finally {
      tmp.remove();
    }
  });

  test("dcmtk's own JPEG lossless frames ending on a byte boundary lose no pixel in our loader", async () => {
    const tmp = new TempDir('ichdetect-encode-');
    try {
      let bareFailures = 0;
      for (let w = 20; w < 36; w++) {
        const rows = 17;
        const px = Int16Array.from({ length: w * rows }, (_, i) => (i * 7919 + (w - 20) * 31) % 300);
        px[px.length - 1] = px[px.length - 2]!;
        const native = tmp.file(`n${w}.dcm`);
        const compressed = tmp.file(`j${w}.dcm`);
        writeCtSlice(native, { ...sliceHeader(VARIANTS[0]!, rows, w, w), pixelPaddingValue: undefined, pixels: px });
        dcmtk('dcmcjpeg', ['+e1', native, compressed]);
        const bare = bareJpegLosslessDecode(fragmentOf(compressed));
        if (bare[px.length - 1] !== (px[px.length - 1]! & 0xffff)) bareFailures++;
        assert.deepEqual([...(await loadSlice(compressed)).stored], [...px], `dcmcjpeg +e1, ${w}×${rows}`);
      }
      assert.ok(bareFailures > 0, 'no frame hit the decoder bug: the regression test lost its teeth');
    } finally {
      tmp.remove();
    }
  });
});
