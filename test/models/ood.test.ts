// The out-of-distribution score: the fit's whitening against the textbook formula, the graph's feature
// statistics and score against plain computations, the share a threshold flags, and what a study's assessment does to the triage order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inverse, Matrix } from 'ml-matrix';
import { seededRandom } from '../../src/shared/random.js';
import { compileInference, Flatten, GraphBuilder, initWeights, NAMES, openSession, ort } from '../../src/engine/index.js';
import { triageOrder } from '../../src/predict/studies.js';
import { assessStudy, type LeftOutSlice } from '../../src/predict/assessment.js';
import { baselineModel } from '../../src/models/baseline.js';
import { fitMahalanobis, mahalanobisScores, OOD_NODES, outOfFoldScores, shareThreshold } from '../../src/models/ood.js';
import type { StudyPrediction } from '../../src/predict/studies.js';

/**
 * sqrt(min_k (z − μ_k)ᵀ Σ_k'⁻¹ (z − μ_k)) with Σ_k' = (1 − α) S_k + α (tr S_k / D) I, S_k the class's
 * sample covariance, or with `shared` the pooled within-class covariance Σ_k (x − μ_k)(x − μ_k)ᵀ / (n − K).
 */
function textbookScores(train: number[][], classOf: number[], queries: number[][], alpha: number, shared = false): number[] {
  const dim = train[0]!.length;
  const classes = [...new Set(classOf)].sort();
  const centered = (c: number) => {
    const x = new Matrix(train.filter((_, i) => classOf[i] === c));
    const mean = x.mean('column');
    return { mean, centered: x.clone().subRowVector(mean) };
  };
  const shrink = (cov: Matrix) => {
    const ridge = (alpha * cov.trace()) / dim;
    return cov.mul(1 - alpha).add(Matrix.eye(dim).mul(ridge));
  };
  const pooled = Matrix.zeros(dim, dim);
  for (const c of classes) {
    const x = centered(c).centered;
    pooled.add(x.transpose().mmul(x));
  }
  pooled.div(train.length - classes.length);
  const fitted = classes.map((c) => {
    const { mean, centered: x } = centered(c);
    const cov = shared ? pooled.clone() : x.transpose().mmul(x).div(x.rows - 1);
    return { mean, precision: inverse(shrink(cov)) };
  });
  return queries.map((z) => Math.sqrt(Math.min(...fitted.map(({ mean, precision }) => {
    const d = Matrix.rowVector(z.map((v, j) => v - mean[j]!));
    return d.mmul(precision).mmul(d.transpose()).get(0, 0);
  }))));
}

function gaussianRows(n: number, dim: number, shift: number, scale: number, random: () => number): number[][] {
  const normal = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const mix = Array.from({ length: dim }, () => Array.from({ length: dim }, () => normal() / Math.sqrt(dim)));
  return Array.from({ length: n }, () => {
    const u = Array.from({ length: dim }, normal);
    return mix.map((row, j) => shift + scale * row.reduce((s, m, i) => s + m * u[i]!, 0) + (j === 0 ? shift : 0));
  });
}

test('fitMahalanobis: each class’s shrunk covariance and mean give the textbook Mahalanobis distance to the nearest class', () => {
  const random = seededRandom(3);
  const dim = 6;
  const train = [...gaussianRows(60, dim, 0, 1, random), ...gaussianRows(25, dim, 3, 2, random)];
  const classOf = train.map((_, i) => (i < 60 ? 0 : 1));
  const queries = [...gaussianRows(10, dim, 0, 1, random), ...gaussianRows(10, dim, 3, 2, random), ...gaussianRows(5, dim, 10, 5, random)];
  for (const [alpha, shared] of [[0.01, false], [0.5, false], [0.01, true], [0.4, true]] as const) {
    const p = fitMahalanobis(Float32Array.from(train.flat()), dim, classOf, 2, { shrinkage: alpha, shared });
    assert.deepEqual(p.perClass, [60, 25]);
    const got = mahalanobisScores(p, Float32Array.from(queries.flat()));
    const want = textbookScores(train, classOf, queries, alpha, shared);
    want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < 1e-4 * Math.max(1, w), `α ${alpha}${shared ? ', shared' : ''}, query ${i}: ${got[i]} vs ${w}`));
    // Far-away queries score far above in-class ones.
    assert.ok(Math.min(...got.slice(20)) > Math.max(...got.slice(0, 20)), 'the shifted queries are the farthest');
  }
  assert.throws(() => fitMahalanobis(new Float32Array(dim * 3), dim, [0, 0, 1], 2), /too few/);
  // A shared covariance needs more slices than classes, not two per class.
  assert.doesNotThrow(() => fitMahalanobis(Float32Array.from(train.slice(0, 4).flat()), dim, [0, 0, 0, 1], 2, { shared: true }));
  assert.throws(() => fitMahalanobis(new Float32Array(dim * 2), dim, [0, 1], 2, { shared: true }), /too few/);
});

test('outOfFoldScores: each row scored by a fit that never saw its group; unseen groups score higher than in-sample rows', () => {
  const random = seededRandom(4);
  const dim = 5;
  // Six patients, each with its own offset (slices of one patient alike), two classes.
  const rows: number[][] = [];
  const groups: string[] = [];
  const classOf: number[] = [];
  for (let p = 0; p < 6; p++) {
    const offset = gaussianRows(1, dim, 0, 2, random)[0]!;
    for (const r of gaussianRows(12, dim, 0, 1, random)) {
      rows.push(r.map((v, j) => v + offset[j]!));
      groups.push(`patient-${p}`);
      classOf.push(rows.length % 4 === 0 ? 1 : 0);
    }
  }
  const x = Float32Array.from(rows.flat());
  const o = { classes: 2, shared: true, shrinkage: 0.4 };
  // As many folds as patients: leave one patient out, the fit on the five others scores it.
  const loo = outOfFoldScores(x, dim, classOf, groups, { ...o, folds: 6 });
  assert.equal(loo.folds, 6);
  for (const held of ['patient-0', 'patient-3']) {
    const others = rows.flatMap((_, i) => (groups[i] !== held ? [i] : []));
    const p = fitMahalanobis(Float32Array.from(others.flatMap((i) => rows[i]!)), dim, others.map((i) => classOf[i]!), 2, o);
    const mine = rows.flatMap((_, i) => (groups[i] === held ? [i] : []));
    const want = mahalanobisScores(p, Float32Array.from(mine.flatMap((i) => rows[i]!)));
    mine.forEach((i, r) => assert.ok(Math.abs(loo.scores[i]! - want[r]!) < 1e-9, `${held} row ${r}: ${loo.scores[i]} vs ${want[r]}`));
  }
  assert.equal(outOfFoldScores(x, dim, classOf, groups, { ...o, folds: 10 }).folds, 6, 'at most one fold per patient');
  const five = outOfFoldScores(x, dim, classOf, groups, { ...o, folds: 5, seed: 2 });
  assert.equal(five.folds, 5);
  const inSample = mahalanobisScores(fitMahalanobis(x, dim, classOf, 2, o), x);
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(five.scores) > mean(inSample), `out of fold ${mean(five.scores)} > in sample ${mean(inSample)}`);
  const single = outOfFoldScores(x, dim, classOf, groups.map(() => 'one'), { ...o, folds: 5 });
  assert.equal(single.folds, 1);
  assert.deepEqual(Array.from(single.scores), Array.from(inSample), 'one patient: the in-sample scores');
});

test('model.onnx’s ood_score is the distance of the first block’s channel means and deviations, in the same inference as the probabilities', async () => {
  const model = baselineModel({ size: 16, dense: 12 });
  const weights = initWeights(model, 5);
  const random = seededRandom(9);
  const n = 40;
  const x = Float32Array.from({ length: n * 3 * 16 * 16 }, () => random());
  const input = { input: new ort.Tensor('float32', x, [n, 3, 16, 16]) };
  // The first block as its own model: conv1 → act1 → pool1 → flatten, 32 maps of 8 × 8.
  const g = new GraphBuilder(model.inputShape);
  for (const node of model.nodes.slice(0, 3)) g.add(node.layer, node.inputs, node.name);
  const block = g.build(g.add(new Flatten(), ['pool1'], 'flat'));
  const maps = (await (await openSession(compileInference(block, weights, { logits: true }))).run(input)).logits!.data as Float32Array;
  const want = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 32; c++) {
      const m = maps.subarray((i * 32 + c) * 64, (i * 32 + c + 1) * 64);
      const mean = m.reduce((a, v) => a + v, 0) / 64;
      want[i * 64 + c] = mean;
      want[i * 64 + 32 + c] = Math.sqrt(m.reduce((a, v) => a + (v - mean) ** 2, 0) / 64);
    }
  }
  const features = (await (await openSession(compileInference(model, weights, { oodFeatures: OOD_NODES.baseline }))).run(input))[NAMES.oodFeatures]!;
  assert.deepEqual(features.dims, [n, 64]);
  const z = features.data as Float32Array;
  want.forEach((v, i) => assert.ok(Math.abs(z[i]! - v) < 1e-4 * Math.max(1, Math.abs(v)), `feature ${i}: ${z[i]} vs ${v}`));
  const params = fitMahalanobis(z, 64, Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)), 2);
  const plain = await openSession(compileInference(model, weights));
  const withOod = await openSession(compileInference(model, weights, { ood: { ...params, nodes: OOD_NODES.baseline } }));
  const a = await plain.run(input);
  const b = await withOod.run(input);
  assert.deepEqual(Array.from(b[NAMES.probabilities]!.data as Float32Array), Array.from(a[NAMES.probabilities]!.data as Float32Array), 'the probabilities are unchanged');
  const graph = b[NAMES.oodScore]!.data as Float32Array;
  const js = mahalanobisScores(params, z);
  assert.equal(graph.length, n);
  js.forEach((v, i) => assert.ok(Math.abs(graph[i]! - v) < 1e-3 * Math.max(1, v), `row ${i}: graph ${graph[i]} vs ${v}`));
  assert.throws(() => compileInference(model, weights, { ood: { ...params, nodes: ['act2'] } }), /give 128 features, the out-of-distribution score was fitted on 64/);
  assert.throws(() => compileInference(model, weights, { oodFeatures: ['nope'] }), /no node 'nope'/);
});

test('shareThreshold flags the asked share of the scores it was set on', () => {
  const random = seededRandom(1);
  const scores = Array.from({ length: 1000 }, () => random() * 10);
  for (const share of [0.01, 0.05, 0.2]) {
    const t = shareThreshold(scores, share);
    assert.equal(scores.filter((s) => s > t).length, Math.round(share * 1000), `share ${share}`);
  }
  assert.throws(() => shareThreshold(scores, 0), /share/);
  assert.throws(() => shareThreshold([], 0.05), /no scores/);
});

function study(uid: string, any: number, oodFlags: boolean[], leftOut: LeftOutSlice[] = []): StudyPrediction {
  const perLabel = { any, epidural: 0, intraparenchymal: 0, intraventricular: 0, subarachnoid: 0, subdural: any };
  const slices = oodFlags.map((flagged) => ({ ood: { score: flagged ? 9 : 1, flagged } }));
  return { studyInstanceUID: uid, patientID: 'p', slices: slices.length, series: 1, perLabel, drivers: {} as StudyPrediction['drivers'], any, topSlice: { sop: `${uid}.1`, path: '', any }, assessment: assessStudy(slices, leftOut) };
}

test('a study mostly out of distribution is not assessed and ranked after every assessed study, however high its P(any)', () => {
  const localizer: LeftOutSlice = { path: 'x', sop: 's', study: 'b', series: 'e', patient: 'p', failures: [{ rule: 'ImageType', code: 'localizer', message: 'a scout' }] };
  const studies = [study('a', 0.2, [false, false, true]), study('b', 0.3, [false, false], [localizer]), study('ood', 0.9999, [true, true, false]), study('c', 0.7, [])];
  const order = triageOrder(studies).map((s) => s.studyInstanceUID);
  assert.deepEqual(order, ['c', 'b', 'a', 'ood']);
  const ood = studies[2]!.assessment!;
  assert.equal(ood.status, 'not-assessed');
  assert.match(ood.reason!, /2 of 3 analysed slices are out of the model's training distribution/);
  const b = studies[1]!.assessment!;
  assert.deepEqual([b.status, b.conformance, b.leftOut, b.leftOutReasons], ['assessed', 'partly-conforming', 1, { localizer: 1 }]);
  assert.equal(studies[0]!.assessment!.status, 'assessed', 'one of three flagged is not most');
});
