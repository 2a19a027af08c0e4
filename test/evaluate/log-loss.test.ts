// The RSNA weighted log loss on a hand-computed example, its clipping at p = 0 and p = 1, and the
// prevalence-only baseline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_LOSS_EPS, binaryCrossEntropy, labelPrevalence, logLosses, perLabelLogLoss, prevalenceLogLosses, weightedLogLoss } from '../../src/evaluate/index.js';

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} differs from ${expected} by more than ${tol}`);

// Three slices, LABELS order (any, epidural, intraparenchymal, intraventricular, subarachnoid, subdural),
// weights w = [2, 1, 1, 1, 1, 1], Σw = 7. Probabilities are dyadic so that Float32Array holds them exactly.
//
// Slice A: y = [1, 0, 0, 0, 1, 0], p = [0.75, 0.25, 0.125, 0.125, 0.5, 0.25]
//   BCE: any −ln 0.75 = 0.287682072 (×2 = 0.575364145), epidural −ln 0.75 = 0.287682072,
//   iph −ln 0.875 = 0.133531393, ivh 0.133531393, sah −ln 0.5 = 0.693147181, sdh −ln 0.75 = 0.287682072
//   Σ w·BCE = 2.110938256 → / 7 = 0.301562608
// Slice B: y = 0 everywhere, p = 0.5 everywhere: every BCE is ln 2 → 7 ln 2 / 7 = 0.693147181
// Slice C (clipping): y = [1, 1, 0, 0, 0, 0], p = [1, 0, 0, 1, 0, 0], clipped to [1e−7, 1 − 1e−7]
//   any: y = 1, p = 1 → −ln(1 − 1e−7) = 1.0000000494e−7 (×2); epidural: y = 1, p = 0 → −ln 1e−7 = 16.118095651;
//   iph, sah, sdh: y = 0, p = 0 → −ln(1 − 1e−7) = 1e−7 each; ivh: y = 0, p = 1 → −ln 1e−7 = 16.118095651
//   Σ w·BCE = 2·16.118095651 + 5·1.0000000494e−7 = 32.236191802 → / 7 = 4.605170257
// Metric = (0.301562608 + 0.693147181 + 4.605170257) / 3 = 1.866626682
// Per-label means over the 3 slices: any (0.287682072 + 0.693147181 + 1e−7) / 3 = 0.326943118,
//   epidural (0.287682072 + 0.693147181 + 16.118095651) / 3 = 5.699641635,
//   iph (0.133531393 + 0.693147181 + 1e−7) / 3 = 0.275559558, ivh (0.133531393 + 0.693147181 + 16.118095651) / 3 = 5.648258075,
//   sah (0.693147181 + 0.693147181 + 1e−7) / 3 = 0.462098154, sdh (0.287682072 + 0.693147181 + 1e−7) / 3 = 0.326943118
const HAND_PROBS = new Float32Array([0.75, 0.25, 0.125, 0.125, 0.5, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 0, 0, 1, 0, 0]);
const HAND_LABELS = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);

test('weighted log loss: the hand-computed three-slice example', () => {
  close(weightedLogLoss(HAND_PROBS.subarray(0, 6), HAND_LABELS.subarray(0, 6), 1), 0.301562608, 1e-9, 'slice A');
  close(weightedLogLoss(HAND_PROBS.subarray(6, 12), HAND_LABELS.subarray(6, 12), 1), 0.693147181, 1e-9, 'slice B');
  close(weightedLogLoss(HAND_PROBS.subarray(12), HAND_LABELS.subarray(12), 1), 4.605170257, 1e-9, 'slice C');
  close(weightedLogLoss(HAND_PROBS, HAND_LABELS, 3), 1.866626682, 1e-9, 'metric');
  const expected = [0.326943118, 5.699641635, 0.275559558, 5.648258075, 0.462098154, 0.326943118];
  perLabelLogLoss(HAND_PROBS, HAND_LABELS, 3).forEach((v, j) => close(v, expected[j], 1e-9, `label ${j}`));
  const both = logLosses(HAND_PROBS, HAND_LABELS, 3);
  assert.equal(both.weighted, weightedLogLoss(HAND_PROBS, HAND_LABELS, 3));
  // The weighted loss is also the label-weighted mean of the per-label means.
  close((2 * expected[0] + expected.slice(1).reduce((a, b) => a + b, 0)) / 7, 1.866626682, 1e-8, 'via per-label');
});

test('weighted log loss: n limits the rows read; the buffers may be longer', () => {
  close(weightedLogLoss(HAND_PROBS, HAND_LABELS, 1), 0.301562608, 1e-9);
  assert.throws(() => weightedLogLoss(HAND_PROBS, HAND_LABELS, 4), /fewer than n × 6/);
  assert.ok(Number.isNaN(weightedLogLoss(new Float32Array(0), new Float32Array(0), 0)));
});

test('clipping: p = 0 and p = 1 give finite losses at the 1e-7 bound, as the clipped p', () => {
  assert.equal(LOG_LOSS_EPS, 1e-7);
  const worst = -Math.log(1e-7); // 16.11809565095832
  const best = -Math.log1p(-1e-7); // 1.0000000500000003e-7
  assert.equal(binaryCrossEntropy(1, 0), worst);
  // y = 0, p = 1: −ln(1 − (1 − 1e−7)); 1 − 1e−7 is not exact in float64, so equal within 1e−9.
  close(binaryCrossEntropy(0, 1), worst, 1e-9, 'y = 0, p = 1');
  close(binaryCrossEntropy(1, 1), best, 1e-15, 'y = 1, p = 1');
  close(binaryCrossEntropy(0, 0), best, 1e-15, 'y = 0, p = 0');
  // Inside the bounds nothing is clipped; at the bounds the result is the bound's.
  assert.equal(binaryCrossEntropy(1, 1e-7), worst);
  assert.equal(binaryCrossEntropy(1, 1e-8), worst);
  assert.equal(binaryCrossEntropy(1, 1e-6), -Math.log(1e-6));
  // A whole slice predicted perfectly scores ~1e-7, a whole slice wrong with certainty −ln 1e-7.
  const y = new Float32Array([1, 0, 1, 0, 0, 1]);
  close(weightedLogLoss(y, y, 1), best, 1e-15, 'perfect');
  close(weightedLogLoss(y.map((v) => 1 - v), y, 1), worst, 1e-9, 'certain and wrong');
  for (const v of [weightedLogLoss(y, y, 1), weightedLogLoss(y.map((v) => 1 - v), y, 1)]) assert.ok(Number.isFinite(v));
});

test('prevalence-only baseline: with the set’s own prevalence it is the weighted mean of binary entropies', () => {
  // Prevalence of the hand example: any 2/3, epidural 1/3, iph 0, ivh 0, sah 1/3, sdh 0.
  // H(1/3) = H(2/3) = 0.636514168; a label with prevalence 0 (clipped to 1e−7) costs −ln(1 − 1e−7) = 1e−7.
  // Baseline = (2·0.636514168 + 0.636514168 + 1e−7 + 1e−7 + 0.636514168 + 1e−7) / 7 = 0.363722425
  const prev = labelPrevalence(HAND_LABELS, 3);
  assert.deepEqual(prev, [2 / 3, 1 / 3, 0, 0, 1 / 3, 0]);
  const base = prevalenceLogLosses(HAND_LABELS, 3);
  close(base.weighted, 0.363722425, 1e-9, 'baseline');
  assert.deepEqual(base.prevalence, prev);
  // A given (training) prevalence is used as is.
  const given = prevalenceLogLosses(HAND_LABELS, 3, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  close(given.weighted, Math.LN2, 1e-12, 'p = 0.5 everywhere');
  assert.throws(() => prevalenceLogLosses(HAND_LABELS, 3, [0.5]), /prevalence holds 1 values/);
});
