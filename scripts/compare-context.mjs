#!/usr/bin/env node
// `npm run compare:context -- --data DIR NAME=MODEL_DIR …`: issue 8's table. Evaluates each model
// folder (2-D, 2.5-D or sequence model) on the test part of one data folder's split, with the same
// code as `ich eval`: slice-level RSNA weighted log loss and AUC, the loss relative to the first
// model's, and study-level AUC of `any` (raw maximum over slices, and calibrated when the model card
// has a study calibration). Prints a markdown table and writes OUT/compare-context.json, and
// OUT/series.png: the first model's and the best other model's probabilities along the part's
// series with the most positive slices.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateModel } from '../dist/src/evaluate/evaluate-model.js';
import { readModelCard } from '../dist/src/models/folder.js';
import { defaultDbPath, openIndexDb, LABEL_COLUMNS } from '../dist/src/data/db.js';
import { LABELS } from '../dist/src/data/labels.js';
import { seriesFigure } from '../dist/src/figures/index.js';
import { predictFiles } from '../dist/src/predict/predictor.js';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: { data: { type: 'string' }, out: { type: 'string', default: '.compare-context' }, part: { type: 'string', default: 'test' }, threads: { type: 'string', default: '2' } },
});
if (!o.data || positionals.length === 0) throw new Error('usage: compare-context --data DIR NAME=MODEL_DIR … (the first model is the reference)');
const rows = [];
const models = positionals.map((arg) => (arg.includes('=') ? arg.split(/=(.*)/s).slice(0, 2) : [arg, arg]));
for (const [name, dir] of models) {
  process.stderr.write(`== ${name}\n`);
  const e = await evaluateModel(dir, o.data, { part: o.part, threads: Number(o.threads) });
  const card = readModelCard(dir);
  const aucs = Object.values(e.report.auc).filter((a) => a !== null);
  rows.push({
    name, model: resolve(dir), architecture: card.architecture.name, context: card.input.context ?? null, series: !!card.input.series,
    valLoss: card.metrics?.val_weighted_log_loss ?? null, testLoss: e.report.weightedLogLoss, prevalenceLoss: e.report.baseline.weightedLogLoss, n: e.report.n,
    aucAny: e.report.auc.any, aucMean: aucs.reduce((a, b) => a + b, 0) / aucs.length,
    studies: e.study.n, studyAucAny: e.study.auc.any, studyAucAnyCalibrated: e.study.calibrated?.auc.any ?? null,
    studyLoss: e.study.weightedLogLoss, studyLossCalibrated: e.study.calibrated?.weightedLogLoss ?? null,
  });
}
const ref = rows[0].testLoss;
const f = (x, d = 4) => (x === null || x === undefined ? '–' : x.toFixed(d));
const lines = [
  `| model | val loss | test loss | × first | AUC any | mean AUC | study AUC any (raw / calibrated) | study loss (raw / calibrated) |`,
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${f(r.valLoss)} | ${f(r.testLoss)} | ${f(r.testLoss / ref, 2)} | ${f(r.aucAny, 3)} | ${f(r.aucMean, 3)} | ${f(r.studyAucAny, 3)} / ${f(r.studyAucAnyCalibrated, 3)} | ${f(r.studyLoss)} / ${f(r.studyLossCalibrated)} |`),
  '',
  `${o.part} part: ${rows[0].n} slices of ${rows[0].studies} studies; prevalence-only slice loss ${f(rows[0].prevalenceLoss)}`,
];
process.stdout.write(lines.join('\n') + '\n');
mkdirSync(o.out, { recursive: true });
writeFileSync(join(o.out, 'compare-context.json'), JSON.stringify({ data: resolve(o.data), part: o.part, rows }, null, 1) + '\n');

// The figure: the series of the part with the most positive slices (ties: the lowest UID), in index order.
const db = openIndexDb(defaultDbPath(o.data));
const { uid } = db.prepare(`SELECT f.series_instance_uid AS uid, SUM(f.y_any) AS pos FROM files f JOIN split s ON s.patient_id = f.patient_id
  WHERE s.part = ? AND f.status = 'ok' GROUP BY uid ORDER BY pos DESC, uid LIMIT 1`).get(o.part);
const slices = db.prepare(`SELECT path, sop_instance_uid AS sop, ${LABEL_COLUMNS.join(', ')} FROM files WHERE series_instance_uid = ? AND status = 'ok' ORDER BY series_rank`).all(uid);
db.close();
// The first model (the reference, dashed) and the one with the lowest loss among the others.
const best = rows.slice(1).reduce((a, b) => (b.testLoss < a.testLoss ? b : a), rows[1] ?? rows[0]);
const shown = models.filter(([name], i) => i === 0 || name === best.name);
const curves = [];
for (const [name, dir] of shown) {
  const p = await predictFiles(dir, slices.map((s) => s.path), { threads: Number(o.threads) });
  const bySop = new Map(p.slices.map((s) => [s.sop, s.probs]));
  curves.push({ name, probs: slices.map((s) => bySop.get(s.sop)) });
}
const panels = LABELS.map((l, j) => ({ label: l, truth: slices.map((s) => s[LABEL_COLUMNS[j]]), curves: curves.map((c) => ({ name: c.name, probs: c.probs.map((q) => q[j]) })) }))
  .filter((p, j) => j === 0 || p.truth.some((t) => t >= 0.5));
writeFileSync(join(o.out, 'series.png'), seriesFigure(panels, { title: `${o.part} series with the most positive slices (${slices.length} slices)` }));
process.stderr.write(`figure ${join(o.out, 'series.png')}\n`);
