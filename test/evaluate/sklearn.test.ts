// Our metric, AUC, ROC curve, operating point and calibration bins against scikit-learn (Debian
// python3-sklearn, run with /usr/bin/python3) on seeded random data with ties, p = 0 and p = 1, and a
// label with one class only. A missing scikit-learn FAILS the test (never skips).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { seededRandom } from '../../src/shared/random.js';
import { METRIC_WEIGHTS, column, perLabelLogLoss, reliabilityBins, rocAuc, rocCurve, sensitivitySpecificity, weightedLogLoss, type RocCurve } from '../../src/evaluate/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { SYSTEM_PYTHON } from '../helpers/pydicom.js';

const SCRIPT = join(REPO_ROOT, 'test/evaluate/sklearn_reference.py');
const K = 6;

interface Reference {
  log_loss: number[];
  weighted: number;
  auc: (number | null)[];
  roc: ({ fpr: number[]; tpr: number[]; thresholds: number[] } | null)[];
  roc_all: ({ fpr: number[]; tpr: number[]; thresholds: number[] } | null)[];
  at_half: { tp: number; fp: number; tn: number; fn: number }[];
  hist: { count: number[]; mean_predicted: (number | null)[]; observed: (number | null)[] }[];
}

function sklearn(probs: Float32Array, labels: Float32Array, n: number): Reference {
  const input = JSON.stringify({ n, k: K, weights: METRIC_WEIGHTS, probs: Array.from(probs), labels: Array.from(labels) });
  const run = spawnSync(SYSTEM_PYTHON, [SCRIPT], { input, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 28 });
  if (run.error) throw new Error(`cannot run ${SYSTEM_PYTHON} (${run.error.message}): install python3 and python3-sklearn`);
  if (run.status !== 0) throw new Error(`scikit-learn reference failed (exit ${run.status}; install the Debian package python3-sklearn): ${run.stderr.trim().split('\n').pop() ?? ''}`);
  return JSON.parse(run.stdout) as Reference;
}

/**
 * n slices of 6 labels, LABELS order. any: continuous scores, ~35% positive; epidural: never positive (one class);
 * intraparenchymal: scores on a 0.05 grid (many ties, including exact 0 and 1); intraventricular: continuous
 * with 10% of the scores set to exactly 0 or 1, some of them wrong with certainty; subarachnoid: scores
 * on a 0.25 grid (heavy ties); subdural: rare (~3%) positives.
 */
function randomSet(n: number, seed: number): { probs: Float32Array; labels: Float32Array } {
  const rand = seededRandom(seed);
  const probs = new Float32Array(n * K);
  const labels = new Float32Array(n * K);
  const bernoulli = (p: number) => (rand() < p ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const row = i * K;
    const any = rand();
    probs[row] = any;
    labels[row] = bernoulli(any * 0.7);
    probs[row + 1] = rand() * 0.2;
    labels[row + 1] = 0;
    const iph = Math.round(rand() * 20) / 20;
    probs[row + 2] = iph;
    labels[row + 2] = bernoulli(0.1 + 0.6 * iph);
    let ivh = rand();
    labels[row + 3] = bernoulli(ivh);
    if (rand() < 0.1) ivh = rand() < 0.5 ? 0 : 1;
    probs[row + 3] = ivh;
    const sah = Math.round(rand() * 4) / 4;
    probs[row + 4] = sah;
    labels[row + 4] = bernoulli(sah * 0.5);
    const sdh = rand() ** 3;
    probs[row + 5] = sdh;
    labels[row + 5] = bernoulli(sdh * 0.12);
  }
  return { probs, labels };
}

const assertCurve = (ours: RocCurve | undefined, ref: Reference['roc'][number], what: string) => {
  if (ref === null) return assert.equal(ours, undefined, what);
  assert.ok(ours, what);
  assert.equal(ours.fpr.length, ref.fpr.length, `${what}: points`);
  assert.equal(ours.thresholds[0], Infinity);
  assert.deepEqual(ours.thresholds.slice(1), ref.thresholds, `${what}: thresholds`);
  for (let i = 0; i < ref.fpr.length; i++) {
    assert.ok(Math.abs(ours.fpr[i] - ref.fpr[i]) < 1e-12 && Math.abs(ours.tpr[i] - ref.tpr[i]) < 1e-12, `${what}: point ${i}`);
  }
};

for (const [n, seed] of [[3000, 1], [257, 2], [40, 3]] as const) {
  test(`against scikit-learn on ${n} random slices (seed ${seed})`, () => {
    const { probs, labels } = randomSet(n, seed);
    const ref = sklearn(probs, labels, n);

    // The metric: per-label log_loss(y_j, p_j, eps=1e-7) combined with the label weights.
    const ours = weightedLogLoss(probs, labels, n);
    assert.ok(Math.abs(ours - ref.weighted) <= 1e-6, `weighted log loss ${ours} vs scikit-learn ${ref.weighted}`);
    const combined = ref.log_loss.reduce((a, v, j) => a + METRIC_WEIGHTS[j] * v, 0) / METRIC_WEIGHTS.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(ours - combined) <= 1e-6);
    perLabelLogLoss(probs, labels, n).forEach((v, j) => assert.ok(Math.abs(v - ref.log_loss[j]) <= 1e-6, `label ${j}: ${v} vs ${ref.log_loss[j]}`));

    for (let j = 0; j < K; j++) {
      const s = column(probs, n, K, j);
      const y = column(labels, n, K, j);
      // AUC, with ties; NaN exactly where scikit-learn refuses (one class).
      const auc = rocAuc(s, y);
      if (ref.auc[j] === null) assert.ok(Number.isNaN(auc), `label ${j}: AUC should be undefined, got ${auc}`);
      else assert.ok(Math.abs(auc - ref.auc[j]!) <= 1e-9, `label ${j}: AUC ${auc} vs ${ref.auc[j]}`);
      assertCurve(rocCurve(s, y), ref.roc[j], `label ${j} roc_curve`);
      assertCurve(rocCurve(s, y, { dropIntermediate: false }), ref.roc_all[j], `label ${j} roc_curve(drop_intermediate=False)`);
      const p = sensitivitySpecificity(s, y, 0.5);
      assert.deepEqual({ tp: p.tp, fp: p.fp, tn: p.tn, fn: p.fn }, ref.at_half[j], `label ${j}: confusion matrix at 0.5`);
      const bins = reliabilityBins(s, y);
      assert.deepEqual(bins.map((b) => b.count), ref.hist[j].count, `label ${j}: bin counts`);
      bins.forEach((b, i) => {
        for (const [mine, theirs] of [[b.meanPredicted, ref.hist[j].mean_predicted[i]], [b.observed, ref.hist[j].observed[i]]] as const) {
          if (theirs === null) assert.ok(Number.isNaN(mine));
          else assert.ok(Math.abs(mine - theirs) < 1e-12, `label ${j} bin ${i}: ${mine} vs ${theirs}`);
        }
      });
    }
    // The random data did exercise what it should.
    assert.equal(ref.auc[1], null);
    assert.ok(ref.auc.filter((a) => a !== null).length === 5);
  });
}
