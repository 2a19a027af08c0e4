// ROC AUC with ties, the ROC curve, operating points, the 95%-sensitivity threshold and reliability bins,
// on small examples worked by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../src/shared/random.js';
import { expectedCalibrationError, reliabilityBins, rocAuc, rocCurve, sensitivitySpecificity, thresholdForSensitivity } from '../../src/evaluate/index.js';

test('rocAuc: Mann–Whitney U with ties counted half', () => {
  // scores [0.1, 0.4, 0.4, 0.8], labels [0, 0, 1, 1]. Pairs (positive, negative):
  // (0.4, 0.1) 1, (0.4, 0.4) ½, (0.8, 0.1) 1, (0.8, 0.4) 1 → 3.5 / 4 = 0.875.
  assert.equal(rocAuc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1]), 0.875);
  // Average ranks: 1, 2.5, 2.5, 4; positives' rank sum 6.5; U = 6.5 − 2·3/2 = 3.5.
  assert.equal(rocAuc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]), 1);
  assert.equal(rocAuc([0.9, 0.8, 0.3, 0.1], [0, 0, 1, 1]), 0);
  assert.equal(rocAuc([0.5, 0.5, 0.5], [1, 0, 0]), 0.5);
  assert.equal(rocAuc(new Float32Array([0.2, 0.7]), new Float32Array([0, 1])), 1);
});

test('rocAuc and rocCurve: undefined with one class; bad labels throw', () => {
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2, 0.3], [0, 0, 0])));
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2, 0.3], [1, 1, 1])));
  assert.ok(Number.isNaN(rocAuc([], [])));
  assert.equal(rocCurve([0.1, 0.2], [0, 0]), undefined);
  assert.throws(() => rocAuc([0.1, 0.2], [0, 0.5]), /not a binary label/);
  assert.throws(() => rocAuc([0.1, 0.2], [0, NaN]), /not a binary label/);
  assert.throws(() => rocAuc([0.1], [0, 1]), /1 scores for 2 labels/);
});

test('rocCurve: one point per distinct score from (0, 0) at +Infinity to (1, 1)', () => {
  // Descending scores 0.8 (pos), 0.4 (pos, neg), 0.1 (neg): P = N = 2.
  // ≥0.8: TP 1, FP 0 → (0, 0.5); ≥0.4: TP 2, FP 1 → (0.5, 1); ≥0.1: (1, 1).
  const all = rocCurve([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1], { dropIntermediate: false });
  assert.deepEqual(all, { fpr: [0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1], thresholds: [Infinity, 0.8, 0.4, 0.1] });
  // Collinear points go when dropIntermediate (the default), as in scikit-learn: the distinct-score points are
  // 0.9 (0, 0.5), 0.8 (0, 1), 0.3 (0.5, 1), 0.1 (1, 1); (0.5, 1) lies on (0, 1)–(1, 1) and is dropped.
  const curve = rocCurve([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]);
  assert.deepEqual(curve, { fpr: [0, 0, 0, 1], tpr: [0, 0.5, 1, 1], thresholds: [Infinity, 0.9, 0.8, 0.1] });
  // The trapezoid area under the full curve is the AUC, ties included.
  const rand = seededRandom(7);
  const scores = Array.from({ length: 300 }, () => Math.round(rand() * 20) / 20);
  const labels = scores.map((s) => (rand() < s ? 1 : 0));
  const c = rocCurve(scores, labels, { dropIntermediate: false })!;
  let area = 0;
  for (let i = 1; i < c.fpr.length; i++) area += ((c.fpr[i] - c.fpr[i - 1]) * (c.tpr[i] + c.tpr[i - 1])) / 2;
  assert.ok(Math.abs(area - rocAuc(scores, labels)) < 1e-12);
});

test('sensitivitySpecificity: a slice is positive iff score ≥ threshold', () => {
  // scores 0.2 0.5 0.7 0.4 0.9, labels 1 1 0 0 1; at 0.5: called 0.5 0.7 0.9 → TP 2 (0.5, 0.9), FP 1 (0.7),
  // FN 1 (0.2), TN 1 (0.4): sensitivity 2/3, specificity 1/2.
  const p = sensitivitySpecificity([0.2, 0.5, 0.7, 0.4, 0.9], [1, 1, 0, 0, 1]);
  assert.deepEqual(p, { threshold: 0.5, tp: 2, fp: 1, tn: 1, fn: 1, sensitivity: 2 / 3, specificity: 0.5 });
  const none = sensitivitySpecificity([0.2, 0.3], [0, 0], 0.25);
  assert.ok(Number.isNaN(none.sensitivity));
  assert.equal(none.specificity, 0.5);
});

test('thresholdForSensitivity: the largest threshold reaching the target, checked against every candidate', () => {
  // 20 positives scored 0.05, 0.10, …, 1.00: 95% needs 19 of them → the 19th highest, 0.10.
  const pos = Array.from({ length: 20 }, (_, i) => (i + 1) / 20);
  const scores = [...pos, 0.3, 0.02];
  const labels = [...pos.map(() => 1), 0, 0];
  assert.equal(thresholdForSensitivity(scores, labels), 0.1);
  assert.equal(thresholdForSensitivity(scores, labels, 1), 0.05);
  assert.equal(thresholdForSensitivity(scores, labels, 0.5), 0.55);
  assert.ok(Number.isNaN(thresholdForSensitivity([0.1], [0])));
  assert.throws(() => thresholdForSensitivity(scores, labels, 0), /target sensitivity/);
  // Random data with ties: no larger candidate threshold reaches the target, this one does.
  const rand = seededRandom(11);
  for (let round = 0; round < 20; round++) {
    const n = 20 + Math.floor(rand() * 200);
    const s = Array.from({ length: n }, () => Math.round(rand() * 30) / 30);
    const y = s.map((v) => (rand() < v ? 1 : 0));
    if (!y.includes(1)) continue;
    const target = [0.95, 0.9, 0.8, 1][round % 4];
    const t = thresholdForSensitivity(s, y, target);
    assert.ok(sensitivitySpecificity(s, y, t).sensitivity >= target);
    for (const c of new Set(s)) if (c > t) assert.ok(sensitivitySpecificity(s, y, c).sensitivity < target, `threshold ${c} > ${t} also reaches ${target}`);
  }
});

test('reliabilityBins: 10 equal-width bins [lo, hi), the last one closed', () => {
  // 0.05, 0.08 → bin 0 (mean 0.065, observed 1/2); 0.5 → bin 5; 0.95, 1 → bin 9 (mean 0.975, observed 1).
  const bins = reliabilityBins([0.05, 0.08, 0.5, 0.95, 1], [1, 0, 0, 1, 1]);
  assert.equal(bins.length, 10);
  assert.deepEqual(bins.map((b) => b.count), [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.ok(Math.abs(bins[0].meanPredicted - 0.065) < 1e-15);
  assert.equal(bins[0].observed, 0.5);
  assert.equal(bins[5].lo, 0.5);
  assert.equal(bins[5].observed, 0);
  assert.equal(bins[9].observed, 1);
  assert.ok(Number.isNaN(bins[1].meanPredicted) && Number.isNaN(bins[1].observed));
  // ECE = (2/5)·|0.5 − 0.065| + (1/5)·|0 − 0.5| + (2/5)·|1 − 0.975| = 0.174 + 0.1 + 0.01 = 0.284
  assert.ok(Math.abs(expectedCalibrationError(bins) - 0.284) < 1e-12);
  assert.equal(reliabilityBins([0.1, 0.6], [0, 1], 2)[1].count, 1);
  assert.throws(() => reliabilityBins([1.5], [1]), /not a probability/);
  assert.throws(() => reliabilityBins([0.5], [1], 0), /bins must be/);
});
