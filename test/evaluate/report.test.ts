// evaluate(): the report `ich eval` prints, on the hand-computed example of log-loss.test.ts, its text and
// JSON forms, and its refusal of inputs that are not probabilities and binary labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS } from '../../src/data/labels.js';
import { evaluate, evaluationJson, formatEvaluation, weightedLogLoss } from '../../src/evaluate/index.js';

// Slices A, B, C of log-loss.test.ts (metric 1.866626682, own-prevalence baseline 0.363722425).
const PROBS = new Float32Array([0.75, 0.25, 0.125, 0.125, 0.5, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 0, 0, 1, 0, 0]);
const LABELS_ = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);

test('evaluate: metric, baseline, AUC (null for one-class labels), operating points, calibration', () => {
  const r = evaluate(PROBS, LABELS_, 3);
  assert.equal(r.n, 3);
  assert.ok(Math.abs(r.weightedLogLoss - 1.866626682) < 1e-9);
  assert.equal(r.weightedLogLoss, weightedLogLoss(PROBS, LABELS_, 3));
  assert.ok(Math.abs(r.logLoss.epidural - 5.699641635) < 1e-9);
  assert.equal(r.baseline.source, 'evaluated-set');
  assert.ok(Math.abs(r.baseline.weightedLogLoss - 0.363722425) < 1e-9);
  assert.deepEqual(r.positives, { any: 2, epidural: 1, intraparenchymal: 0, intraventricular: 0, subarachnoid: 1, subdural: 0 });
  // any: positives 0.75, 1 above the negative 0.5 → 1. epidural: the positive (0) below both negatives → 0.
  // subarachnoid: the positive 0.5 ties one negative (½) and beats the other (1) → 1.5 / 2 = 0.75.
  assert.deepEqual(r.auc, { any: 1, epidural: 0, intraparenchymal: null, intraventricular: null, subarachnoid: 0.75, subdural: null });
  assert.equal(r.roc.subdural, null);
  assert.deepEqual(r.roc.any?.tpr, [0, 0.5, 1, 1]);
  // At 0.5, any: 0.75 and 1 called (TP 2), 0.5 called too (FP 1) → sensitivity 1, specificity 0.
  assert.deepEqual(r.atThreshold.any, { threshold: 0.5, tp: 2, fp: 1, tn: 0, fn: 0, sensitivity: 1, specificity: 0 });
  // 95% of 2 positives needs both: the lower positive score, 0.75, where the negative 0.5 is no longer called.
  assert.equal(r.anyAtSensitivity.threshold, 0.75);
  assert.deepEqual(r.anyAtSensitivity.point, { threshold: 0.75, tp: 2, fp: 0, tn: 1, fn: 0, sensitivity: 1, specificity: 1 });
  assert.deepEqual(r.calibration.any.bins.map((b) => b.count), [0, 0, 0, 0, 0, 1, 0, 1, 0, 1]);
  // |0 − 0.5|·1/3 + |1 − 0.75|·1/3 + |1 − 1|·1/3 = 0.25
  assert.ok(Math.abs(r.calibration.any.ece - 0.25) < 1e-12);
});

test('evaluate: a given (training) prevalence drives the baseline', () => {
  const r = evaluate(PROBS, LABELS_, 3, { prevalence: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5] });
  assert.equal(r.baseline.source, 'given');
  assert.ok(Math.abs(r.baseline.weightedLogLoss - Math.LN2) < 1e-12);
  assert.equal(r.baseline.prevalence.any, 0.5);
});

test('evaluate: text and JSON forms', () => {
  const r = evaluate(PROBS, LABELS_, 3);
  const text = formatEvaluation(r);
  assert.match(text, /weighted log loss: 1\.8666 {2}\(prevalence-only baseline: 0\.3637/);
  for (const l of LABELS) assert.match(text, new RegExp(`^${l} `, 'm'));
  assert.match(text, /AUC n\/a: only one class in this set for intraparenchymal, intraventricular, subdural/);
  assert.match(text, /any at ≥95% sensitivity: threshold 0\.75, sensitivity 1\.000, specificity 1\.000/);
  const json = JSON.parse(JSON.stringify(evaluationJson(r))) as Record<string, unknown>;
  assert.equal(json.n, 3);
  assert.equal(json.weighted_log_loss, r.weightedLogLoss);
  assert.deepEqual(json.auc, r.auc);
  assert.deepEqual(Object.keys(json.auc as object), [...LABELS]);
  // No positives for `any`: the high-sensitivity point is reported as absent, not as a number.
  const none = evaluate(new Float32Array(6).fill(0.1), new Float32Array(6), 1);
  assert.deepEqual(none.anyAtSensitivity, { target: 0.95, threshold: null, point: null });
  assert.match(formatEvaluation(none), /n\/a \(no positive slices\)/);
  assert.deepEqual((JSON.parse(JSON.stringify(evaluationJson(none))) as { any_at_sensitivity: unknown }).any_at_sensitivity, { target: 0.95, threshold: null, sensitivity: null, specificity: null });
});

test('evaluate: refuses logits, NaN, soft labels, short buffers and an empty set', () => {
  const logits = PROBS.map((p) => p * 4 - 2);
  assert.throws(() => evaluate(logits, LABELS_, 3), /probs\[1\] = -1 is not a probability/);
  assert.throws(() => evaluate(PROBS.map((p, i) => (i === 7 ? NaN : p)), LABELS_, 3), /probs\[7\] = NaN/);
  assert.throws(() => evaluate(PROBS, LABELS_.map((y, i) => (i === 2 ? 0.5 : y)), 3), /labels\[2\] = 0\.5 is not a binary label/);
  assert.throws(() => evaluate(PROBS, LABELS_, 4), /fewer than n × 6/);
  assert.throws(() => evaluate(PROBS, LABELS_, 0), /nothing to evaluate/);
});
