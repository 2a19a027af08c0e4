import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import dicomParser from 'dicom-parser';
import { decodeRleFrame } from '../../src/dicom/codecs/rle.js';
import { encodeRleFrame } from '../../src/dicom/codecs/rle-encode.js';
import { loadSlice } from '../../src/dicom/load.js';
import { readDicomFile } from '../../src/dicom/read.js';
import { encodeHeaderWithDicomDict } from '../../src/dicom/write-header.js';
import { type CtSliceToWrite, ctSliceDatasets, encodeCtSlice, formatDecimalString, writeCtSlice } from '../../src/dicom/write.js';
import { uidFromName } from '../../src/dicom/write-uids.js';

const PYTHON = '/usr/bin/python3';
const RLE_UID = '1.2.840.10008.1.2.5';
const JPEG_LOSSLESS_SV1_UID = '1.2.840.10008.1.2.4.70';
const IMPLICIT_UID = '1.2.840.10008.1.2';

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0;
}
const hasPydicom = runs(PYTHON, ['-c', 'import pydicom, numpy']);
const hasDcmtk = runs('dcmdump', ['--version']);

/** How one test file stores its pixels; expected HU follow from these, independently of src/. */
interface Variant {
  name: string;
  pixelRepresentation: 0 | 1;
  bitsStored: number;
  slope: number;
  intercept: number;
  padding?: number;
  window?: [number[], number[]];
  size?: number;
  syntax?: string;
}

const VARIANTS: Variant[] = [
  { name: 'int16, intercept -1024, padding -2000, window 40\\40', pixelRepresentation: 1, bitsStored: 16, slope: 1, intercept: -1024, padding: -2000, window: [[40, 40], [80, 80]] },
  { name: 'uint16, 12 bits, intercept -1024 (no wrap)', pixelRepresentation: 0, bitsStored: 12, slope: 1, intercept: -1024 },
  { name: 'uint16, intercept -1000', pixelRepresentation: 0, bitsStored: 16, slope: 1, intercept: -1000, window: [[40], [80]] },
  { name: 'int16, intercept 0, padding -2000', pixelRepresentation: 1, bitsStored: 16, slope: 1, intercept: 0, padding: -2000 },
  { name: 'uint16, slope 0.5', pixelRepresentation: 0, bitsStored: 16, slope: 0.5, intercept: -1024 },
  { name: 'int16, 12 bits signed, slope 2', pixelRepresentation: 1, bitsStored: 12, slope: 2, intercept: -1024 },
  { name: 'RSNA 12-bit wrap (uint, 12 bits, intercept 0)', pixelRepresentation: 0, bitsStored: 12, slope: 1, intercept: 0, window: [[40], [80]] },
  { name: 'implicit VR, int16, intercept -1024, padding -2000', pixelRepresentation: 1, bitsStored: 16, slope: 1, intercept: -1024, padding: -2000, syntax: IMPLICIT_UID },
  { name: '512×512 RSNA-like int16', pixelRepresentation: 1, bitsStored: 16, slope: 1, intercept: -1024, padding: -2000, window: [[40, 40], [80, 80]], size: 512 },
];

const isWrap = (v: Variant) => v.bitsStored === 12 && v.pixelRepresentation === 0 && v.intercept > -100;

function storedRange(v: Variant): [number, number] {
  return v.pixelRepresentation === 1 ? [-(2 ** (v.bitsStored - 1)), 2 ** (v.bitsStored - 1) - 1] : [0, 2 ** v.bitsStored - 1];
}

/** A head-like HU phantom: air / padding outside a circle, skull ring, brain with a bleed and ventricles. */
function phantomHu(rows: number, columns: number): { hu: Float64Array; inside: Uint8Array } {
  const hu = new Float64Array(rows * columns);
  const inside = new Uint8Array(rows * columns);
  const cy = rows / 2, cx = columns / 2, radius = Math.min(rows, columns) * 0.45;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      const d = Math.hypot(r - cy, c - cx) / radius;
      if (d > 1) continue;
      inside[i] = 1;
      if (d > 0.85) hu[i] = 1000 + ((r * 7 + c * 13) % 900);
      else if (Math.hypot(r - cy * 0.8, c - cx * 1.2) < radius * 0.15) hu[i] = 60 + ((r + c) % 25);
      else if (Math.abs(c - cx) < radius * 0.1 && Math.abs(r - cy) < radius * 0.3) hu[i] = 5;
      else hu[i] = 20 + ((r * 3 + c * 5) % 30) - ((r * c) % 7);
    }
  }
  return { hu, inside };
}

function expectedHu(stored: number, v: Variant): number {
  if (isWrap(v)) {
    let x = stored + 1000;
    if (x >= 4096) x -= 4096;
    return x * v.slope - 1000;
  }
  return stored * v.slope + v.intercept;
}

function storedPixels(v: Variant): { stored: Int16Array | Uint16Array; expected: Float64Array; rows: number; columns: number } {
  const rows = v.size ?? 72;
  const columns = v.size ?? 90;
  const { hu, inside } = phantomHu(rows, columns);
  const stored = v.pixelRepresentation === 1 ? new Int16Array(rows * columns) : new Uint16Array(rows * columns);
  const [min, max] = storedRange(v);
  for (let i = 0; i < hu.length; i++) {
    let s: number;
    if (!inside[i] && v.padding !== undefined) s = v.padding;
    else if (isWrap(v)) s = (((inside[i] ? hu[i]! : -1000) % 4096) + 4096) % 4096;
    else s = Math.min(max, Math.max(min, Math.round(((inside[i] ? hu[i]! : -1000) - v.intercept) / v.slope)));
    stored[i] = s;
  }
  stored[0] = min; // extremes of the stored range, in the corner
  stored[1] = max;
  const expected = Float64Array.from(stored, (s) => expectedHu(s, v));
  return { stored, expected, rows, columns };
}

function sliceFor(v: Variant, k: number, stored: Int16Array | Uint16Array, rows: number, columns: number): CtSliceToWrite {
  return {
    sopInstanceUID: `ID_${(0x1a2b3c4d5 + k).toString(16)}`,
    studyInstanceUID: 'ID_5c3a9e2f1b',
    seriesInstanceUID: 'ID_77aa0c3e9d',
    patientID: `ID_a1b2c${k}`, // odd length: padded with a space
    rows,
    columns,
    bitsStored: v.bitsStored,
    pixelRepresentation: v.pixelRepresentation,
    rescaleSlope: v.slope,
    rescaleIntercept: v.intercept,
    windowCenter: v.window?.[0],
    windowWidth: v.window?.[1],
    pixelSpacing: [0.48828125, 0.48828125],
    sliceThickness: 5,
    imagePositionPatient: [-125, -120.123456789123, 40 + 5 * k],
    imageOrientationPatient: [1, 0, 0, 0, 1, 0],
    instanceNumber: k + 1,
    pixelPaddingValue: v.padding,
    pixels: stored,
    transferSyntaxUID: v.syntax,
  };
}

interface Written {
  name: string;
  path: string;
  variant: Variant;
  slice: CtSliceToWrite;
  stored: Int16Array | Uint16Array;
  expected: Float64Array;
  syntax: string;
}

const PY_READ = `
import json, sys, warnings
import numpy as np, pydicom
warnings.simplefilter('error')
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE  # RSNA-style ID_ UIDs
out = {}
for path in sys.argv[1:]:
    d = pydicom.dcmread(path)
    px = d.pixel_array
    slope, intercept = float(d.RescaleSlope), float(d.RescaleIntercept)
    if d.BitsStored == 12 and d.PixelRepresentation == 0 and intercept > -100:
        x = px.astype(np.int32) + 1000
        x[x >= 4096] -= 4096
        px, intercept = x, -1000.0
    hu = px.astype(np.float64) * slope + intercept
    hu.astype('<f8').tofile(path + '.hu')
    out[path] = {
        'sop': d.SOPInstanceUID, 'patient': d.PatientID, 'syntax': d.file_meta.TransferSyntaxUID,
        'shape': list(px.shape), 'wc': [float(x) for x in (d.WindowCenter if 'WindowCenter' in d and d['WindowCenter'].VM > 1 else [d.get('WindowCenter', 0)])],
        'padVR': d['PixelPaddingValue'].VR if 'PixelPaddingValue' in d else None,
        'pad': int(d.PixelPaddingValue) if 'PixelPaddingValue' in d else None,
        'ipp': [float(x) for x in d.ImagePositionPatient],
    }
print(json.dumps(out))
`;

describe('encodeCtSlice', () => {
  let dir = '';
  const files: Written[] = [];
  let py: Record<string, { sop: string; patient: string; syntax: string; shape: number[]; wc: number[]; padVR: string | null; pad: number | null; ipp: number[] }> = {};

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ich-write-'));
    VARIANTS.forEach((v, k) => {
      const { stored, expected, rows, columns } = storedPixels(v);
      const slice = sliceFor(v, k, stored, rows, columns);
      const path = join(dir, `v${k}.dcm`);
      writeCtSlice(path, slice);
      files.push({ name: v.name, path, variant: v, slice, stored, expected, syntax: v.syntax ?? '1.2.840.10008.1.2.1' });
      if (v.size !== undefined || v.syntax !== undefined) return;
      // The same slice RLE-compressed, as one encapsulated fragment.
      const rle = encodeRleFrame(stored, { rows, columns, bitsAllocated: 16 });
      const rleSlice: CtSliceToWrite = { ...slice, pixels: { transferSyntaxUID: RLE_UID, fragments: [rle] } };
      const rlePath = join(dir, `v${k}-rle.dcm`);
      writeCtSlice(rlePath, rleSlice);
      files.push({ name: `RLE: ${v.name}`, path: rlePath, variant: v, slice: rleSlice, stored, expected, syntax: RLE_UID });
    });
    if (hasDcmtk) {
      // JPEG lossless SV1 by dcmtk, re-wrapped by our writer as three fragments (odd-length last one).
      const src = files[0]!;
      const jpegPath = join(dir, 'dcmtk-jpeg.dcm');
      const r = spawnSync('dcmcjpeg', ['+e1', src.path, jpegPath], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const f = readDicomFile(jpegPath);
      const el = f.dataSet.elements['x7fe00010']!;
      const frame = dicomParser.readEncapsulatedPixelDataFromFragments(f.dataSet, el, 0, el.fragments!.length);
      let codestream = frame.slice();
      // Drop the padding byte dcmtk may have added after EOI, so that our writer's padding is exercised.
      if (codestream.length % 2 === 0 && codestream[codestream.length - 1] === 0) codestream = codestream.subarray(0, codestream.length - 1);
      const a = 1000, b = 2 * Math.floor(codestream.length / 3);
      const fragments = [codestream.subarray(0, a), codestream.subarray(a, b), codestream.subarray(b)];
      const slice: CtSliceToWrite = { ...src.slice, pixels: { transferSyntaxUID: JPEG_LOSSLESS_SV1_UID, fragments } };
      const path = join(dir, 'jpeg-3-fragments.dcm');
      writeCtSlice(path, slice);
      files.push({ ...src, name: `JPEG lossless, 3 fragments: ${src.name}`, path, slice, syntax: JPEG_LOSSLESS_SV1_UID });
    }
    if (hasPydicom) {
      const r = spawnSync(PYTHON, ['-c', PY_READ, ...files.map((f) => f.path)], { encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, r.stderr);
      py = JSON.parse(r.stdout) as typeof py;
    }
  });

  after(() => {
    if (dir && !process.env.KEEP_WRITE_TEST) rmSync(dir, { recursive: true, force: true });
  });

  it('writes every variant and our reader returns the expected HU and header', async () => {
    assert.ok(files.length >= 15);
    for (const f of files) {
      const s = await loadSlice(f.path, { requireCt: true });
      const h = s.file.header;
      assert.equal(h.transferSyntaxUID, f.syntax, f.name);
      assert.equal(h.sopInstanceUID, f.slice.sopInstanceUID, f.name);
      assert.equal(h.patientID, f.slice.patientID, f.name);
      assert.equal(h.studyInstanceUID, f.slice.studyInstanceUID, f.name);
      assert.equal(h.sopClassUID, '1.2.840.10008.5.1.4.1.1.2', f.name);
      assert.equal(h.modality, 'CT', f.name);
      assert.deepEqual([h.rows, h.columns, h.bitsAllocated, h.bitsStored, h.highBit, h.pixelRepresentation], [f.slice.rows, f.slice.columns, 16, f.variant.bitsStored, f.variant.bitsStored - 1, f.variant.pixelRepresentation], f.name);
      assert.deepEqual([h.rescaleSlope, h.rescaleIntercept], [f.variant.slope, f.variant.intercept], f.name);
      assert.deepEqual(h.windowCenter, f.variant.window?.[0] ?? [], f.name);
      assert.deepEqual(h.windowWidth, f.variant.window?.[1] ?? [], f.name);
      assert.equal(h.pixelPaddingValue, f.variant.padding, f.name);
      assert.deepEqual(h.pixelSpacing, [0.48828125, 0.48828125]);
      assert.equal(h.imagePositionPatient![1], -120.12345678912, f.name); // 16-character DS, rounded
      assert.equal(h.instanceNumber, f.slice.instanceNumber);
      assert.equal(s.quirks.some((q) => q.name === 'rsna-12bit-wrap'), isWrap(f.variant), f.name);
      assert.equal(s.quirks.some((q) => q.name === 'multi-valued-window'), (f.variant.window?.[0].length ?? 0) > 1, f.name);
      assert.deepEqual(s.hu, Float32Array.from(f.expected), f.name);
    }
  });

  it('pydicom reads the same HU and identifiers', { skip: hasPydicom ? false : 'Debian python3-pydicom not available' }, () => {
    for (const f of files) {
      const info = py[f.path];
      assert.ok(info, f.name);
      assert.equal(info.sop, f.slice.sopInstanceUID, f.name);
      assert.equal(info.patient, f.slice.patientID, f.name);
      assert.equal(info.syntax, f.syntax, f.name);
      assert.deepEqual(info.shape, [f.slice.rows, f.slice.columns], f.name);
      assert.deepEqual(info.wc, f.variant.window?.[0] ?? [0], f.name);
      assert.equal(info.pad, f.variant.padding ?? null, f.name);
      if (f.variant.padding !== undefined) assert.equal(info.padVR, f.variant.pixelRepresentation === 1 ? 'SS' : 'US', f.name);
      assert.equal(info.ipp[1], -120.12345678912, f.name);
      const bytes = readFileSync(`${f.path}.hu`);
      const hu = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
      assert.deepEqual(hu, f.expected, f.name);
    }
  });

  it('dcmdump parses every file without warnings', { skip: hasDcmtk ? false : 'dcmtk not available' }, () => {
    for (const f of files) {
      const r = spawnSync('dcmdump', ['+fo', '-ll', 'warn', f.path], { encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, `${f.name}: ${r.stderr}`);
      assert.equal(r.stderr, '', f.name);
      assert.match(r.stdout, /\(7fe0,0010\) O[BW]/, f.name);
    }
  });

  it('dcmdrle decodes our RLE frames to the original stored values', { skip: hasDcmtk ? false : 'dcmtk not available' }, async () => {
    const rle = files.filter((f) => f.syntax === RLE_UID);
    assert.ok(rle.length >= 7);
    for (const f of rle) {
      const out = `${f.path}.native.dcm`;
      const r = spawnSync('dcmdrle', [f.path, out], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${f.name}: ${r.stderr}`);
      const s = await loadSlice(out);
      assert.deepEqual(Array.from(s.stored), Array.from(f.stored), f.name);
    }
  });
});

describe('encapsulated pixel data layout', () => {
  it('writes a basic offset table, the fragments padded to even length and a sequence delimiter', () => {
    const base = sliceFor(VARIANTS[0]!, 0, new Int16Array(4), 2, 2);
    const frag1 = Uint8Array.of(1, 2, 3, 4);
    const frag2 = Uint8Array.of(5, 6, 7);
    const bytes = encodeCtSlice({ ...base, pixels: { transferSyntaxUID: '1.2.840.10008.1.2.4.80', fragments: [frag1, frag2] } });
    const tail = bytes.subarray(bytes.length - (12 + 12 + 12 + 12 + 8));
    const expected = Buffer.from([
      0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff, // (7FE0,0010) OB, undefined length
      0xfe, 0xff, 0x00, 0xe0, 4, 0, 0, 0, 0, 0, 0, 0, // basic offset table: one frame at offset 0
      0xfe, 0xff, 0x00, 0xe0, 4, 0, 0, 0, 1, 2, 3, 4,
      0xfe, 0xff, 0x00, 0xe0, 4, 0, 0, 0, 5, 6, 7, 0, // odd last fragment padded with a zero
      0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0, // sequence delimitation item
    ]);
    assert.deepEqual(Buffer.from(tail), expected);
  });

  it('rejects what would make an invalid file', () => {
    const base = sliceFor(VARIANTS[0]!, 0, new Int16Array(4), 2, 2);
    assert.throws(() => encodeCtSlice({ ...base, pixels: new Int16Array(5) }), /5 pixels given/);
    assert.throws(() => encodeCtSlice({ ...base, pixels: { transferSyntaxUID: RLE_UID, fragments: [new Uint8Array(64), new Uint8Array(2)] } }), /exactly one fragment/);
    assert.throws(() => encodeCtSlice({ ...base, pixels: { transferSyntaxUID: '1.2.840.10008.1.2.4.80', fragments: [new Uint8Array(3), new Uint8Array(2)] } }), /odd length/);
    assert.throws(() => encodeCtSlice({ ...base, transferSyntaxUID: RLE_UID }), /compress the frame/);
    assert.throws(() => encodeCtSlice({ ...base, extra: { NotAKeyword: 1 } }), /not a DICOM keyword/);
    assert.throws(() => encodeCtSlice({ ...base, pixelPaddingValue: 40000 }), /PixelPaddingValue/);
    assert.throws(() => encodeCtSlice({ ...base, sopInstanceUID: '' }), /SOPInstanceUID/);
  });

  it('writes extra attributes and marks lossy syntaxes', () => {
    const base = sliceFor(VARIANTS[0]!, 0, new Int16Array(4), 2, 2);
    const bytes = encodeCtSlice({ ...base, extra: { StudyID: '7', KVP: 120 }, pixels: { transferSyntaxUID: '1.2.840.10008.1.2.4.91', fragments: [new Uint8Array(8)] } });
    const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    assert.equal(ds.string('x00200010'), '7');
    assert.equal(ds.string('x00180060'), '120');
    assert.equal(ds.string('x00282110'), '01');
  });
});

describe('header encoding', () => {
  it('is byte-identical to one dcmjs DicomDict.write() of the same data sets, cached or not', () => {
    for (const [k, v] of VARIANTS.entries()) {
      const slice = sliceFor(v, k, new Int16Array(4), 2, 2);
      for (const s of [slice, { ...slice, transferSyntaxUID: undefined, pixels: { transferSyntaxUID: RLE_UID, fragments: [new Uint8Array(66)] } }]) {
        const { meta, dataset, transferSyntaxUID } = ctSliceDatasets(s);
        const reference = encodeHeaderWithDicomDict(meta, dataset, transferSyntaxUID);
        for (let repeat = 0; repeat < 2; repeat++) {
          const bytes = encodeCtSlice(s);
          assert.deepEqual(bytes.subarray(0, reference.length), Buffer.from(reference), `${v.name} (${transferSyntaxUID})`);
          assert.deepEqual([...bytes.subarray(reference.length, reference.length + 4)], [0xe0, 0x7f, 0x10, 0x00], 'PixelData follows');
        }
      }
    }
  });
});

describe('formatDecimalString', () => {
  it('keeps short values and rounds long ones to 16 characters', () => {
    assert.equal(formatDecimalString(-1024), '-1024');
    assert.equal(formatDecimalString(0.48828125), '0.48828125');
    assert.equal(formatDecimalString(-120.123456789123), '-120.12345678912');
    assert.equal(formatDecimalString(1 / 3), '0.33333333333333');
    assert.ok(formatDecimalString(-1.234567890123e-12).length <= 16);
    assert.throws(() => formatDecimalString(Number.NaN));
  });
});

describe('encodeRleFrame', () => {
  it('round-trips runs, literals and long rows through our decoder', () => {
    const rows = 3, columns = 300;
    const data = new Int16Array(rows * columns);
    for (let i = 0; i < data.length; i++) data[i] = i < 200 ? -2000 : i % 3 === 0 ? (i * 7919) % 65536 - 32768 : 40;
    const bytes = encodeRleFrame(data, { rows, columns, bitsAllocated: 16 });
    assert.equal(bytes.length % 2, 0);
    const decoded = decodeRleFrame(bytes, { rows, columns, samplesPerPixel: 1, bitsAllocated: 16, pixelRepresentation: 1 });
    assert.deepEqual(decoded.data, data);
    const flat = encodeRleFrame(new Uint16Array(512 * 512).fill(24), { rows: 512, columns: 512, bitsAllocated: 16 });
    assert.ok(flat.length < 64 + 2 * 512 * 12, `constant frame encodes small (${flat.length} bytes)`);
  });
});

describe('write-uids', () => {
  it('derives stable valid UIDs from names', () => {
    const u = uidFromName('ID_1a2b3c4d5');
    assert.equal(u, uidFromName('ID_1a2b3c4d5'));
    assert.notEqual(u, uidFromName('ID_1a2b3c4d6'));
    assert.match(u, /^2\.25\.(0|[1-9][0-9]*)$/);
    assert.ok(u.length <= 64);
  });
});
