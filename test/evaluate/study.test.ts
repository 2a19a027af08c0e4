// Study-level results on hand-built inputs: Platt fits against a known logistic model, the prior
// with one class, per-study maxima and driving slices, study labels and metrics, triage order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS, byLabel } from '../../src/data/labels.js';
import { seededRandom } from '../../src/shared/random.js';
import { logLosses } from '../../src/evaluate/log-loss.js';
import { rocAuc } from '../../src/evaluate/roc.js';
import { aggregateStudies, triageOrder } from '../../src/predict/studies.js';
import { applyPlatt } from '../../src/predict/platt.js';
import { evaluateStudies, fitPlatt, fitStudyCalibration, studyTable } from '../../src/evaluate/study.js';
import { triageList } from '../../src/predict/triage.js';
import { type SlicePrediction } from '../../src/predict/outcomes.js';
import { type StudyPrediction, summarizeStudies } from '../../src/predict/studies.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** n raw scores p = σ(x), x ~ N(0, 2²), and labels y ~ Bernoulli(σ(a·x + b)). */
function logisticSample(n: number, a: number, b: number, seed: number): { scores: Float64Array; labels: Float64Array } {
  const random = seededRandom(seed);
  const scores = new Float64Array(n);
  const labels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = 2 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    scores[i] = sigmoid(x);
    labels[i] = random() < sigmoid(a * x + b) ? 1 : 0;
  }
  return { scores, labels };
}

test('fitPlatt recovers a and b of the logistic model the labels were drawn from', () => {
  for (const [a, b, seed] of [[0.6, -1.2, 1], [1.8, 0.7, 2], [1, 0, 3]] as const) {
    const { scores, labels } = logisticSample(20000, a, b, seed);
    const fit = fitPlatt(scores, labels);
    assert.ok(Math.abs(fit.a - a) < 0.06, `a = ${fit.a}, drawn with ${a}`);
    assert.ok(Math.abs(fit.b - b) < 0.06, `b = ${fit.b}, drawn with ${b}`);
    // The fit is the optimum: nudging it in any direction does not lower the log loss.
    const loss = (c: { a: number; b: number }) => logLosses(scores.map((p) => applyPlatt(p, c)), labels, scores.length, [1]).weighted;
    for (const [da, db] of [[0.02, 0], [-0.02, 0], [0, 0.02], [0, -0.02]]) assert.ok(loss(fit) <= loss({ a: fit.a + da!, b: fit.b + db! }) + 1e-12);
  }
});

test('fitPlatt: one class keeps the identity; one positive among separable scores stays finite and near it', () => {
  const scores = [0.1, 0.2, 0.3, 0.9, 0.4];
  assert.deepEqual(fitPlatt(scores, [0, 0, 0, 0, 0]), { a: 1, b: 0 });
  assert.deepEqual(fitPlatt(scores, [1, 1, 1, 1, 1]), { a: 1, b: 0 });
  assert.deepEqual(fitPlatt([], []), { a: 1, b: 0 });
  const few = fitPlatt(scores, [0, 0, 0, 1, 0]);
  assert.ok(Number.isFinite(few.a) && Number.isFinite(few.b));
  assert.ok(Math.abs(few.a - 1) < 2 && Math.abs(few.b) < 2, `a ${few.a}, b ${few.b}: the prior holds a perfectly separable label`);
  // Without the prior the same data would separate: a much stronger prior stays closer still.
  const strong = fitPlatt(scores, [0, 0, 0, 1, 0], 100);
  assert.ok(Math.abs(strong.a - 1) + Math.abs(strong.b) < Math.abs(few.a - 1) + Math.abs(few.b));
  assert.ok(Math.abs(applyPlatt(0.3, { a: 1, b: 0 }) - 0.3) < 1e-12);
  assert.throws(() => fitPlatt([0.5], [2]), /not a binary label/);
});

/** A slice of `study` with `any` and `subdural` probabilities (other labels 0). */
function slice(study: string, sop: string, any: number, subdural: number, series = 's1'): SlicePrediction {
  return { path: `/d/${sop}.dcm`, sop, study, series, patient: `p-${study}`, probs: Float32Array.from([any, 0, 0, 0, 0, subdural]) };
}

const SLICES = [
  slice('A', 'a1', 0.25, 0.5),
  slice('B', 'b1', 0.5, 0.25),
  slice('A', 'a2', 0.75, 0.125, 's2'),
  slice('A', 'a3', 0.5, 0.5),
  slice('A', 'a4', 0.125, 0.875),
  slice('A', 'a5', 0.75, 0),
  slice('B', 'b2', 0.5, 0),
];

test('aggregateStudies: per study each label’s maximum, the top three slices per label (input order among ties), slice and series counts', () => {
  const [a, b] = aggregateStudies(SLICES);
  assert.equal(a!.studyInstanceUID, 'A');
  assert.equal(a!.patientID, 'p-A');
  assert.deepEqual([a!.slices, a!.series, b!.slices, b!.series], [5, 2, 2, 1]);
  assert.deepEqual(a!.perLabel, { any: 0.75, epidural: 0, intraparenchymal: 0, intraventricular: 0, subarachnoid: 0, subdural: 0.875 });
  assert.deepEqual(a!.drivers.any.map((d) => [d.sop, d.probability]), [['a2', 0.75], ['a5', 0.75], ['a3', 0.5]]);
  assert.deepEqual(a!.drivers.subdural.map((d) => d.sop), ['a4', 'a1', 'a3']);
  assert.equal(a!.drivers.any[0]!.path, '/d/a2.dcm');
  assert.deepEqual(b!.drivers.any.map((d) => d.sop), ['b1', 'b2'], 'a study of two slices has two drivers');
  assert.deepEqual(Object.keys(a!.drivers), [...LABELS]);
});

test('studyTable and evaluateStudies: a study is positive when any slice is; AUC and log loss over studies, raw and calibrated', () => {
  const y: Record<string, number[]> = { a3: [1, 0, 0, 0, 0, 1], b2: [0, 0, 0, 0, 0, 0] };
  const table = studyTable([...SLICES, slice('C', 'c1', 0.0625, 0.0625)], (s) => y[s.sop] ?? [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(table.studies.map((s) => s.studyInstanceUID), ['A', 'B', 'C']);
  assert.deepEqual([...table.labels], [1, 0, 0, 0, 0, 1, ...new Array(12).fill(0)]);
  assert.deepEqual([table.scores[0], table.scores[6], table.scores[12]], [0.75, 0.5, 0.0625]);
  const e = evaluateStudies(table, fitStudyCalibration(table));
  assert.equal(e.n, 3);
  assert.equal(e.positives.any, 1);
  assert.equal(e.auc.any, rocAuc([0.75, 0.5, 0.0625], [1, 0, 0]));
  assert.equal(e.auc.epidural, null, 'one class: AUC undefined');
  assert.ok(Math.abs(e.weightedLogLoss - logLosses(table.scores, table.labels, 3).weighted) < 1e-12);
  assert.equal(e.calibrated!.auc.any, e.auc.any, 'a > 0 keeps the ranking');
  assert.equal(evaluateStudies(table).calibrated, undefined);
});

test('summarizeStudies with a calibration, triageOrder and triageList: calibrated any first, then the raw maximum, then the UID', () => {
  const calibration = byLabel(LABELS.map(() => ({ a: 2, b: -1 })));
  const studies = summarizeStudies(SLICES, { aggregation: 'max-over-slices', calibration, fitted: { part: 'val', studies: 2, positives: byLabel(LABELS.map(() => 1)) } });
  assert.deepEqual(studies.map((s) => s.studyInstanceUID), ['A', 'B']);
  assert.ok(Math.abs(studies[0]!.calibrated!.any - sigmoid(2 * Math.log(3) - 1)) < 1e-12);
  assert.equal(studies[0]!.any, 0.75, 'raw maximum kept');
  assert.deepEqual(studies[0]!.topSlice, { sop: 'a2', path: '/d/a2.dcm', any: 0.75 });

  const study = (uid: string, any: number, calibrated?: number): StudyPrediction => {
    const s: StudyPrediction = { ...aggregateStudies([slice(uid, `${uid}-1`, any, 0)])[0]!, any, topSlice: { sop: `${uid}-1`, path: '', any } };
    if (calibrated !== undefined) s.calibrated = byLabel<number>([calibrated, 0, 0.25, 0, 0, 0.5]);
    return s;
  };
  const order = triageOrder([study('Z', 0.5, 0.9), study('Y', 0.6, 0.9), study('X', 0.6, 0.9), study('W', 0.99, 0.2)]);
  assert.deepEqual(order.map((s) => s.studyInstanceUID), ['X', 'Y', 'Z', 'W']);
  const list = triageList(order);
  assert.deepEqual(list.map((e) => e.rank), [1, 2, 3, 4]);
  assert.deepEqual(list[0]!.topSubtype, { label: 'subdural', probability: 0.5 });
  assert.equal(list[0]!.any, 0.9);
  assert.equal(triageList([study('U', 0.3)])[0]!.any, 0.3, 'uncalibrated: the raw maximum');
});
