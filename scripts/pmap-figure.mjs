#!/usr/bin/env node
// `npm run figure:pmap -- --model DIR --data DIR [--samples 100] [--out docs/images/parametric-map.png] [--dicom DIR]`:
// the README's picture of the Parametric Map ichdetect stores back. Analyses the data folder's study
// with the highest P(any) as `ich serve --push` does (same code: resultObjects), encodes the map as
// DICOM, reads it back from those bytes, and draws each frame's float values over its source slice
// (found by the frame's Derivation Image reference) in the brain window, next to the plain slice.
// With --dicom, also writes the SR, Parametric Map, KOS and Secondary Capture there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeDataset } from '../dist/src/dicom/write.js';
import { readDataset, readInstance } from '../dist/src/dicom/naturalized.js';
import { createFigure, panelTitle, PANEL_TITLE_HEIGHT, toPng, writePng } from '../dist/src/figures/canvas.js';
import { imageData } from '../dist/src/figures/raster.js';
import { absPercentile, SHAP_LIMIT_PERCENTILE } from '../dist/src/figures/shap.js';
import { DARK_THEME } from '../dist/src/figures/theme.js';
import { Predictor } from '../dist/src/predict/predictor.js';
import { SliceAttributions } from '../dist/src/serve/attributions.js';
import { resultObjects } from '../dist/src/serve/push.js';
import { blendValues, windowedSlice } from '../dist/src/serve/render.js';
import { reportedProbabilities } from '../dist/src/serve/results/key-slices.js';

const { values: o } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' }, samples: { type: 'string', default: '100' }, out: { type: 'string', default: 'docs/images/parametric-map.png' }, dicom: { type: 'string' }, threads: { type: 'string', default: '2' } } });
if (!o.model || !o.data) throw new Error('usage: pmap-figure --model DIR --data DIR [--samples 100] [--out PNG] [--dicom DIR]');
const predictor = await Predictor.open(o.model, { threads: Number(o.threads) });
const p = await predictor.predict([join(o.data, 'images')]);
await predictor.close();
const study = [...p.studies].sort((a, b) => b.any - a.any)[0];
const slices = p.slices.filter((s) => s.study === study.studyInstanceUID);
const analysed = slices.map((s) => ({ path: s.path, sop: s.sop, study: s.study, series: s.series, sopClassUID: String(readInstance(s.path).SOPClassUID) }));
const attributions = new SliceAttributions(o.model, join(o.model, '..', '.pmap-figure'), { samples: Number(o.samples), threads: Number(o.threads) });
const objects = await resultObjects({ study, model: { name: p.card.architecture.name, created: p.card.created }, analysed, attributions });
await attributions.close();
if (!objects.pm) throw new Error(`no Parametric Map: ${objects.noOverlay ?? 'the study is not assessed'}`);
if (o.dicom) {
  mkdirSync(o.dicom, { recursive: true });
  for (const k of ['sr', 'pm', 'kos', 'sc']) if (objects[k]) writeFileSync(join(o.dicom, `${k}.dcm`), encodeDataset(objects[k]));
}

const pm = readDataset(encodeDataset(objects.pm), true);
const [rows, columns] = [Number(pm.Rows), Number(pm.Columns)];
const values = new Float32Array(pm.FloatPixelData[0]);
const frames = pm.PerFrameFunctionalGroupsSequence.map((f, k) => ({
  sop: f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID,
  label: f.FrameContentSequence[0].FrameLabel,
  explanation: f.RealWorldValueMappingSequence[0].LUTExplanation,
  values: values.subarray(k * rows * columns, (k + 1) * rows * columns),
})).slice(0, 3);
const pathOf = new Map(slices.map((s) => [s.sop, s.path]));
const size = 320;
const gap = 16;
const fig = createFigure(gap + (frames.length + 1) * (size + gap), PANEL_TITLE_HEIGHT + size + gap + 10, DARK_THEME);
const draw = (img, x) => {
  const tmp = createFigure(img.columns, img.rows, DARK_THEME);
  tmp.ctx.putImageData(imageData(img.rgba, img.columns, img.rows), 0, 0);
  fig.ctx.drawImage(tmp.canvas, x, PANEL_TITLE_HEIGHT, size, size);
};
const { probs } = reportedProbabilities(study);
const first = await windowedSlice(pathOf.get(frames[0].sop), 'brain');
draw(first, gap);
panelTitle(fig, gap, PANEL_TITLE_HEIGHT, size, 'Key slice, brain window', `P(any) ${probs.any.toFixed(3)} (study)`);
for (const [k, f] of frames.entries()) {
  const img = await windowedSlice(pathOf.get(f.sop), 'brain');
  blendValues(img, f.values, absPercentile([f.values], SHAP_LIMIT_PERCENTILE));
  const x = gap + (k + 1) * (size + gap);
  draw(img, x);
  panelTitle(fig, x, PANEL_TITLE_HEIGHT, size, `PM frame ${k + 1}: ${f.label.replace(/ attribution$/, "")}`, f.explanation);
}
writePng(o.out, toPng(fig));
process.stdout.write(`${o.out}: ${frames.length} of ${pm.NumberOfFrames} frames, ${rows}×${columns} float32, study ${study.studyInstanceUID}\n`);
