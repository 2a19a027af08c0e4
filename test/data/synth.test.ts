import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openIndexDb } from '../../src/data/db.js';
import { indexDirectory } from '../../src/data/index-dir.js';
import { LABELS, readLabelsCsv } from '../../src/data/labels.js';
import { acquire } from '../../src/data/phantom/acquire.js';
import { readPhantomMasks } from '../../src/data/phantom/masks.js';
import { SUBTYPES, planStudy } from '../../src/data/phantom/plan.js';
import { Rng } from '../../src/shared/rng.js';
import { renderSlice } from '../../src/data/phantom/render.js';
import { type SynthSummary, synthesize } from '../../src/data/phantom/synth.js';
import { TISSUE_HU, Tissue } from '../../src/data/phantom/tissue.js';
import { readDicomHeader } from '../../src/dicom/read.js';
import { loadSlice } from '../../src/dicom/load.js';
import { inspectHu, maxAbsDiff } from '../helpers/hu.js';
import { TempDir } from '../helpers/paths.js';
import { pydicomReference } from '../helpers/pydicom.js';

let tmp: TempDir;
let set40: SynthSummary;

before(async () => {
  tmp = new TempDir();
  // The default run (40 studies, compression and one corrupt file by default), at a small size for speed.
  set40 = await synthesize({ out: tmp.file('set40'), studies: 40, seed: 11, size: 64, threads: 2 });
});

after(() => tmp.remove());

/** Running mean and variance per tissue. */
class TissueStats {
  private readonly n = new Float64Array(16);
  private readonly sum = new Float64Array(16);
  private readonly sq = new Float64Array(16);
  add(code: number, value: number): void {
    this.n[code]!++;
    this.sum[code]! += value;
    this.sq[code]! += value * value;
  }
  count(code: number): number {
    return this.n[code]!;
  }
  mean(code: number): number {
    return this.sum[code]! / this.n[code]!;
  }
  sd(code: number): number {
    return Math.sqrt(this.sq[code]! / this.n[code]! - this.mean(code) ** 2);
  }
}

test('tissue HU statistics fall in the stated ranges, before and after blur and noise', () => {
  const size = 256;
  const noiseless = new TissueStats();
  const acquired = new TissueStats();
  // Studies until every subtype was seen; each at the skull base, mid-brain, high and at its bleeds' centres.
  const seen = new Set<string>();
  for (let index = 0; seen.size < SUBTYPES.length || index < 4; index++) {
    const plan = planStudy(index, { seed: 3, size, positiveShare: 1, compress: false });
    plan.bleeds.forEach((b) => seen.add(b.subtype));
    const levels = [0.15, 0.5, 0.8].map((t) => Math.round(plan.slices * t));
    for (const i of [...levels, ...plan.bleeds.map((b) => Math.round(b.zCenter))]) {
      const { hu, tissue } = renderSlice(plan, i);
      const stored = new Int16Array(hu.length);
      const storage = { ...plan.storage, rsnaWrap: false, pixelRepresentation: 1 as const, bitsStored: 16, rescaleSlope: 1, rescaleIntercept: 0, padding: undefined };
      for (let p = 0; p < hu.length; p++) noiseless.add(tissue[p]!, hu[p]!);
      acquire(hu, size, storage, new Rng(1), new Float32Array(hu.length), stored);
      for (let p = 3 * size; p < hu.length - 3 * size; p++) {
        // Interior pixels (the same tissue 3 pixels away in 4 directions) are free of partial volume.
        const t = tissue[p]!;
        if (tissue[p - 3] === t && tissue[p + 3] === t && tissue[p - 3 * size] === t && tissue[p + 3 * size] === t) acquired.add(t, stored[p]!);
      }
    }
  }
  for (const [name, code] of Object.entries(Tissue)) {
    if (noiseless.count(code) === 0) continue;
    const [low, high] = TISSUE_HU[name as keyof typeof Tissue];
    const m = noiseless.mean(code);
    assert.ok(m >= low - 1 && m <= high + 1, `${name}: noiseless mean ${m.toFixed(1)} outside [${low}, ${high}]`);
  }
  for (const name of ['grey', 'white', 'ventricle', 'scalp', 'corticalBone', 'blood'] as const) {
    const code = Tissue[name];
    assert.ok(acquired.count(code) > 20, `${name}: interior pixels found`);
    const [low, high] = TISSUE_HU[name];
    const m = acquired.mean(code);
    assert.ok(m >= low - 2 && m <= high + 2, `${name}: acquired mean ${m.toFixed(1)} outside [${low}, ${high}]`);
  }
  const sd = acquired.sd(Tissue.white);
  assert.ok(sd >= 2 && sd <= 11, `white-matter noise ${sd.toFixed(1)} HU (3–10 HU planned, blur lowers it)`);
  for (const name of ['calcification', 'edema', 'sulcus', 'ventricle', 'cistern'] as const) assert.ok(noiseless.count(Tissue[name]) > 0, `${name} is drawn`);
});

test('labels agree with the masks: a subtype is 1 exactly when its mask is non-empty, any is their OR', async () => {
  const { labels, report } = await readLabelsCsv(join(set40.out, 'labels.csv'));
  assert.deepEqual([report.duplicates.length, report.conflicts.length, report.incomplete.length, report.malformed.length], [0, 0, 0, 0]);
  const masks = readPhantomMasks(join(set40.out, 'masks'));
  assert.equal(masks.size, set40.slices);
  assert.equal(labels.size, set40.slices);
  let positives = 0;
  for (const [sop, m] of masks) {
    const y = labels.get(sop)!;
    const present = SUBTYPES.map((s) => (m.masks[s].some((v) => v === 1) ? 1 : 0));
    SUBTYPES.forEach((s, k) => assert.equal(y[LABELS.indexOf(s)], present[k], `${sop} ${s}`));
    assert.equal(y[0], Math.max(...present), `${sop} any`);
    positives += y[0]!;
  }
  assert.equal(positives, set40.positiveSlices);
  const share = positives / set40.slices;
  assert.ok(share > 0.05 && share < 0.3, `positive share ${share} (target 0.14)`);
});

test('storage variants, compression and corruption all occur in a default run of 40 studies', async () => {
  const kinds = Object.keys(set40.storage).join(' ');
  for (const part of ['signed', 'unsigned-12bit', 'intercept-1024', 'intercept-1000', 'intercept0', 'slope0.5', 'rsna-12bit-wrap', 'padded', '-rle', '-jpeg-ls', '-jpeg-lossless']) {
    assert.ok(kinds.includes(part), `storage "${part}" in ${kinds}`);
  }
  assert.equal(set40.corrupted.length, 1, 'one truncated file by default, like RSNA');
  const db = openIndexDb(':memory:');
  const run = await indexDirectory(db, set40.out, { labelsCsv: join(set40.out, 'labels.csv'), threads: 2 });
  assert.deepEqual(run.summary.reasons, { truncated: 1 });
  assert.equal(run.summary.ok, set40.slices - 1);
  assert.equal(run.summary.studies, 40);
  const syntaxes = new Set((db.prepare('SELECT DISTINCT transfer_syntax AS s FROM files').all() as { s: string }[]).map((r) => r.s));
  for (const uid of ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.70']) assert.ok(syntaxes.has(uid), `transfer syntax ${uid}`);
  db.close();
});

test('every written file decodes with Debian pydicom to the HU ichdetect reads (library and ich inspect --hu)', async () => {
  const images = join(set40.out, 'images');
  const corrupt = new Set(set40.corrupted.map((f) => join(set40.out, f)));
  const files = readdirSync(images).map((f) => join(images, f)).filter((f) => !corrupt.has(f));
  const reference = pydicomReference(files);
  const expectedHu = (k: number, h: { bitsStored: number; pixelRepresentation: number; rescaleIntercept: number }) => {
    const ref = reference[k]!;
    // pydicom gives stored × slope + intercept; the RSNA wrap fix is ours to apply, as the RSNA kernels did.
    const wrapped = h.bitsStored === 12 && h.pixelRepresentation === 0 && h.rescaleIntercept > -100;
    return wrapped ? Float32Array.from(ref.stored, (v) => (v + 1000 >= 4096 ? v + 1000 - 4096 : v + 1000) - 1000) : ref.hu;
  };
  const syntaxes = new Set<string>();
  for (let k = 0; k < files.length; k++) {
    const slice = await loadSlice(files[k]!);
    syntaxes.add(reference[k]!.transferSyntaxUID);
    assert.equal(maxAbsDiff(slice.hu, expectedHu(k, slice.file.header)), 0, `${files[k]} (${reference[k]!.transferSyntaxUID})`);
  }
  assert.ok(syntaxes.size >= 4, `files of ${syntaxes.size} transfer syntaxes compared`);
  // The CLI too, on one file of each transfer syntax.
  const firstOf = new Map<string, number>();
  reference.forEach((r, k) => firstOf.set(r.transferSyntaxUID, firstOf.get(r.transferSyntaxUID) ?? k));
  for (const k of firstOf.values()) {
    const { hu } = await inspectHu(files[k]!, tmp.file(`inspect-${k}.f32`));
    const h = readDicomHeader(files[k]!).header;
    assert.equal(maxAbsDiff(hu, expectedHu(k, h)), 0, `ich inspect --hu ${files[k]}`);
  }
});

test('the same seed gives the same files; another seed gives others', async () => {
  const digest = (dir: string) => {
    const hash = createHash('sha256');
    for (const sub of ['images', 'masks']) for (const f of readdirSync(join(dir, sub)).sort()) hash.update(f).update(readFileSync(join(dir, sub, f)));
    return hash.update(readFileSync(join(dir, 'labels.csv'))).digest('hex');
  };
  const a = await synthesize({ out: tmp.file('a'), studies: 3, seed: 99, size: 64, threads: 2 });
  const b = await synthesize({ out: tmp.file('b'), studies: 3, seed: 99, size: 64, threads: 1 });
  const c = await synthesize({ out: tmp.file('c'), studies: 3, seed: 100, size: 64, threads: 2 });
  assert.equal(digest(a.out), digest(b.out));
  assert.notEqual(digest(a.out), digest(c.out));
});

test('--style b: another look of the same anatomy (other outlines, skulls, noise, bleeds), labels still matching masks; style a unchanged by its existence', async () => {
  const a = await synthesize({ out: tmp.file('style-a'), studies: 4, seed: 31, size: 64, positiveShare: 0.5, corrupt: 0, threads: 1 });
  const b = await synthesize({ out: tmp.file('style-b'), studies: 4, seed: 31, size: 64, positiveShare: 0.5, corrupt: 0, threads: 1, style: 'b' });
  const b2 = await synthesize({ out: tmp.file('style-b2'), studies: 4, seed: 31, size: 64, positiveShare: 0.5, corrupt: 0, threads: 2, style: 'b' });
  const files = (dir: string) => readdirSync(join(dir, 'images')).sort();
  // Same plan draws first: the same SOPInstanceUIDs and slice counts, other pixels.
  assert.deepEqual(files(b.out), files(a.out));
  const bytes = (dir: string, f: string) => readFileSync(join(dir, 'images', f));
  assert.ok(files(a.out).every((f) => !bytes(a.out, f).equals(bytes(b.out, f))), 'every style-b file differs from style a');
  assert.ok(files(b.out).every((f) => bytes(b.out, f).equals(bytes(b2.out, f))), 'style b is deterministic in the seed');
  const planA = planStudy(0, { seed: 31, size: 64, positiveShare: 0.5, compress: true });
  assert.deepEqual(planStudy(0, { seed: 31, size: 64, positiveShare: 0.5, compress: true, style: 'a' }), planA, 'style a plans as before');
  const planB = planStudy(0, { seed: 31, size: 64, positiveShare: 0.5, compress: true, style: 'b' });
  assert.ok(planB.head.styleB && !planA.head.styleB);
  const { labels } = await readLabelsCsv(join(b.out, 'labels.csv'));
  for (const [sop, m] of readPhantomMasks(join(b.out, 'masks'))) {
    SUBTYPES.forEach((s) => assert.equal(labels.get(sop)![LABELS.indexOf(s)], m.masks[s].some((v) => v === 1) ? 1 : 0, `${sop} ${s}`));
  }
  await assert.rejects(synthesize({ out: tmp.file('style-x'), studies: 1, style: 'x' as 'a' }), /--style x: expected a or b/);
});
