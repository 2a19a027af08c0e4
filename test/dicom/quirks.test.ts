// Acceptance 3: every quirk of src/dicom/quirks.ts, each on a real file (a dcmodify'd copy of pydicom's
// CT_small.dcm or a real file as is): the quirk is reported and the HU values follow the rule, computed
// here independently from pydicom's stored values.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type CtSlice, type QuirkName, loadSlice, quirkDescriptions, readDicomHeader } from '../../src/dicom/index.js';
import { dcmtk, modifiedCopy } from '../helpers/dcmtk.js';
import { assertHuClose, inspectHu } from '../helpers/hu.js';
import { TempDir, daikonFile, pydicomFile } from '../helpers/paths.js';
import { pydicomReference } from '../helpers/pydicom.js';

const CT_SMALL = pydicomFile('CT_small.dcm');
const CT_SMALL_INTERCEPT = -1024;

/** Writes 16-bit little-endian words (for dcmodify -mf PixelData). */
function writeWords(path: string, words: ArrayLike<number>): string {
  const buf = Buffer.alloc(words.length * 2);
  for (let i = 0; i < words.length; i++) buf.writeUInt16LE(words[i]! & 0xffff, i * 2);
  writeFileSync(path, buf);
  return path;
}

function quirk(slice: CtSlice, name: QuirkName) {
  return slice.quirks.find((q) => q.name === name);
}

function count(values: ArrayLike<number>, pred: (v: number, i: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (pred(values[i]!, i)) n++;
  return n;
}

describe('quirks, each on a real file', () => {
  const tmp = new TempDir();
  const seen = new Set<QuirkName>();
  /** CT_small's stored values and HU as Debian pydicom decodes them. */
  let stored: Float64Array;
  let originalHu: Float32Array;

  async function load(path: string): Promise<CtSlice> {
    const slice = await loadSlice(path);
    for (const q of slice.quirks) seen.add(q.name);
    return slice;
  }

  before(() => {
    const [ref] = pydicomReference([CT_SMALL]);
    stored = ref!.stored;
    originalHu = ref!.hu;
  });
  after(() => tmp.remove());

  test('CT_small.dcm itself has no quirk', async () => {
    const slice = await load(CT_SMALL);
    assert.deepEqual(slice.quirks, []);
    assertHuClose(slice.hu, originalHu, 0, 'CT_small');
  });

  test('no-meta-header: data sets without Part 10 header (dcmconv -F), implicit and explicit VR', async () => {
    for (const [flag, syntax] of [
      ['+ti', '1.2.840.10008.1.2'],
      ['+te', '1.2.840.10008.1.2.1'],
    ] as const) {
      const path = tmp.file(`no-meta${flag}.dcm`);
      dcmtk('dcmconv', ['-F', flag, CT_SMALL, path]);
      const slice = await load(path);
      assert.ok(quirk(slice, 'no-meta-header'), `${flag}: ${JSON.stringify(slice.quirks)}`);
      assert.equal(slice.file.header.transferSyntaxUID, syntax);
      assert.deepEqual(readDicomHeader(path).containerQuirks, ['no-meta-header']);
      assertHuClose(slice.hu, originalHu, 0, `no meta header ${flag}`);
    }
  });

  test('no-rescale: RescaleSlope and RescaleIntercept removed, HU = stored value', async () => {
    const path = modifiedCopy(CT_SMALL, tmp.file('no-rescale.dcm'), ['-e', '(0028,1052)', '-e', '(0028,1053)']);
    const slice = await load(path);
    assert.ok(quirk(slice, 'no-rescale'));
    assert.equal(slice.file.header.hasRescale, false);
    assertHuClose(slice.hu, stored, 0, 'no rescale');
  });

  test('unsigned-codestream: J2K_pixelrep_mismatch.dcm', async () => {
    const slice = await load(pydicomFile('J2K_pixelrep_mismatch.dcm'));
    assert.ok(quirk(slice, 'unsigned-codestream'));
    assert.ok(slice.hu.some((v) => v < 0), 'negative HU after sign extension');
  });

  test('masked-to-bits-stored: BitsStored 12 with garbage in bits 12-15, signed', async () => {
    // Stored words: the low 12 bits of each original value, 0xA in the high nibble.
    const words = Array.from(stored, (v) => (v & 0x0fff) | 0xa000);
    const path = modifiedCopy(CT_SMALL, tmp.file('masked.dcm'), [
      '-m', '(0028,0101)=12', '-m', '(0028,0102)=11',
      '-mf', `(7fe0,0010)=${writeWords(tmp.file('masked.raw'), words)}`,
    ]);
    const slice = await load(path);
    const q = quirk(slice, 'masked-to-bits-stored');
    assert.ok(q, JSON.stringify(slice.quirks));
    assert.match(q.detail, new RegExp(`^${words.length} pixels`));
    // Rule: keep BitsStored bits, sign-extend (PixelRepresentation 1), then slope and intercept.
    const expected = words.map((w) => {
      const low = w & 0x0fff;
      return (low >= 0x800 ? low - 0x1000 : low) * 1 + CT_SMALL_INTERCEPT;
    });
    assertHuClose(slice.hu, expected, 0, 'masked');
    // Where the original fits 12 signed bits, that is the original image.
    const fits = Array.from(stored, (v, i) => (v < 2048 ? i : -1)).filter((i) => i >= 0);
    assert.ok(fits.length > stored.length / 2);
    for (const i of fits) assert.equal(slice.hu[i], originalHu[i]);
  });

  describe('rsna-12bit-wrap', () => {
    /** HU modulo 4096 in 12 unsigned bits, as the wrapped RSNA files hold them. */
    let wrappedWords: number[];
    let wrapped: string;

    /** The rule, independently: x = stored + 1000; x >= 4096 → x - 4096; HU = x * slope - 1000. */
    const unwrap = (s: number, slope = 1) => {
      let x = s + 1000;
      if (x >= 4096) x -= 4096;
      return x * slope - 1000;
    };

    before(() => {
      wrappedWords = Array.from(originalHu, (hu) => ((hu % 4096) + 4096) % 4096);
      assert.ok(wrappedWords.some((w) => w >= 3096), 'the test image holds values that wrap');
      wrapped = modifiedCopy(CT_SMALL, tmp.file('rsna-wrap.dcm'), [
        '-m', '(0028,0101)=12', '-m', '(0028,0102)=11', '-m', '(0028,0103)=0', '-m', '(0028,1052)=0', '-e', '(0028,0120)',
        '-mf', `(7fe0,0010)=${writeWords(tmp.file('rsna-wrap.raw'), wrappedWords)}`,
      ]);
    });

    test('BitsStored 12, unsigned, intercept 0: unwrapped per the rule', async () => {
      const slice = await load(wrapped);
      assert.ok(quirk(slice, 'rsna-12bit-wrap'), JSON.stringify(slice.quirks));
      assertHuClose(slice.hu, wrappedWords.map((w) => unwrap(w)), 0, 'RSNA wrap rule');
      // CT_small holds no HU below -1000, so unwrapping restores the original image.
      assertHuClose(slice.hu, originalHu, 0, 'RSNA wrap vs original');
      const cli = await inspectHu(wrapped, tmp.file('rsna-wrap.f32'));
      assert.ok(cli.summary.quirks.some((q) => q.name === 'rsna-12bit-wrap'), 'ich inspect --json reports it');
      assertHuClose(cli.hu, originalHu, 0, 'RSNA wrap via the CLI');
    });

    test('intercept -1024 (<= -100): no unwrapping', async () => {
      const path = modifiedCopy(wrapped, tmp.file('rsna-nowrap.dcm'), ['-m', '(0028,1052)=-1024']);
      const slice = await load(path);
      assert.ok(!quirk(slice, 'rsna-12bit-wrap'));
      assertHuClose(slice.hu, wrappedWords.map((w) => w - 1024), 0, 'no wrap');
    });

    test('PixelPaddingValue is compared with the stored value, not the unwrapped one', async () => {
      const padding = wrappedWords[0]!;
      const path = modifiedCopy(wrapped, tmp.file('rsna-wrap-padding.dcm'), ['-i', `(0028,0120)=${padding}`]);
      const slice = await load(path);
      assert.equal(slice.file.header.pixelPaddingValue, padding);
      const q = quirk(slice, 'pixel-padding');
      const padded = count(wrappedWords, (w) => w === padding);
      assert.ok(q, JSON.stringify(slice.quirks));
      assert.match(q.detail, new RegExp(`^${padded} pixels`));
      const expected = wrappedWords.map((w) => (w === padding ? Math.min(unwrap(w), -1000) : unwrap(w)));
      assertHuClose(slice.hu, expected, 0, 'RSNA wrap with padding');
    });
  });

  test('pixel-padding: PixelPaddingValue set to a stored value that occurs → air (-1000 HU)', async () => {
    let min = Infinity;
    for (const v of stored) min = Math.min(min, v);
    assert.ok(min * 1 + CT_SMALL_INTERCEPT > -1000, 'the padded pixels would not be air otherwise');
    const path = modifiedCopy(CT_SMALL, tmp.file('padding.dcm'), ['-m', `(0028,0120)=${min}`]);
    const slice = await load(path);
    const padded = count(stored, (v) => v === min);
    const q = quirk(slice, 'pixel-padding');
    assert.ok(q && padded > 0, JSON.stringify(slice.quirks));
    assert.match(q.detail, new RegExp(`^${padded} pixels`));
    assertHuClose(slice.hu, Array.from(stored, (v, i) => (v === min ? -1000 : originalHu[i]!)), 0, 'padding');
  });

  test('pixel-padding on a real file: rle.dcm pads with -2000, already below air, HU unchanged', async () => {
    const slice = await load(daikonFile('rle.dcm'));
    assert.equal(slice.file.header.pixelPaddingValue, -2000);
    const padded = count(slice.stored, (v) => v === -2000);
    const q = quirk(slice, 'pixel-padding');
    assert.ok(q && padded > 0);
    assert.match(q.detail, new RegExp(`^${padded} pixels`));
    assert.ok(!quirk(slice, 'outside-scan-circle'), 'padding pixels are not also counted as outside the circle');
    for (let i = 0; i < slice.stored.length; i++) if (slice.stored[i] === -2000) assert.equal(slice.hu[i], -2000 - 1024);
  });

  test('outside-scan-circle: rle.dcm without PixelPaddingValue', async () => {
    const path = modifiedCopy(daikonFile('rle.dcm'), tmp.file('rle-nopadding.dcm'), ['-e', '(0028,0120)']);
    const slice = await load(path);
    assert.equal(slice.file.header.pixelPaddingValue, undefined);
    const outside = count(slice.hu, (v) => v <= -2000);
    const q = quirk(slice, 'outside-scan-circle');
    assert.ok(q && outside > 0, JSON.stringify(slice.quirks));
    assert.match(q.detail, new RegExp(`^${outside} pixels`));
    assert.ok(!quirk(slice, 'pixel-padding'));
    const original = await loadSlice(daikonFile('rle.dcm'));
    assertHuClose(slice.hu, original.hu, 0, 'outside-scan-circle keeps HU');
  });

  test('monochrome1: PhotometricInterpretation MONOCHROME1, HU unchanged', async () => {
    const path = modifiedCopy(CT_SMALL, tmp.file('mono1.dcm'), ['-m', '(0028,0004)=MONOCHROME1']);
    const slice = await load(path);
    assert.ok(quirk(slice, 'monochrome1'));
    assertHuClose(slice.hu, originalHu, 0, 'MONOCHROME1');
  });

  test('multi-valued-window: WindowCenter 40\\400, WindowWidth 80\\2000', async () => {
    const path = modifiedCopy(CT_SMALL, tmp.file('window.dcm'), ['-i', '(0028,1050)=40\\400', '-i', '(0028,1051)=80\\2000']);
    const slice = await load(path);
    assert.ok(quirk(slice, 'multi-valued-window'));
    assert.deepEqual(slice.file.header.windowCenter, [40, 400]);
    assert.deepEqual(slice.file.header.windowWidth, [80, 2000]);
    assertHuClose(slice.hu, originalHu, 0, 'window');
  });

  test('multi-valued-window on a real file: J2K_pixelrep_mismatch.dcm (40\\40\\40)', async () => {
    const slice = await load(pydicomFile('J2K_pixelrep_mismatch.dcm'));
    assert.ok(quirk(slice, 'multi-valued-window'));
    assert.deepEqual(slice.file.header.windowCenter, [40, 40, 40]);
  });

  test('every quirk in quirks.ts was exercised above', () => {
    const all = Object.keys(quirkDescriptions) as QuirkName[];
    assert.deepEqual(all.filter((q) => !seen.has(q)), []);
  });
});
