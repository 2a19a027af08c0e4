#!/usr/bin/env node
// The quick-start demo: generates the embedded default data set (synthetic head-CT phantoms written
// as real DICOM) and runs the `ich` pipeline on it end to end (index, stats, split, cache, a brief
// training of the baseline CNN, InceptionV3 transfer with a frozen base, a sequence model over the
// baseline, their evaluation on the test part, and the triage list), printing each command.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, '.demo');
const data = join(out, 'phantoms');
const studies = process.env.DEMO_STUDIES ?? '40';

function ich(...args) {
  process.stdout.write(`\n$ ich ${args.join(' ')}\n`);
  execFileSync(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args], { stdio: 'inherit' });
}

rmSync(out, { recursive: true, force: true });
ich('synth', '--out', data, '--studies', studies, '--seed', '1', '--preview', join(out, 'phantoms.png'));
ich('index', data, '--labels', join(data, 'labels.csv'));
ich('stats', data, '--png', join(out, 'label-distribution.png'));
ich('split', data, '--seed', '1');
ich('preprocess', data);
ich('train', '--data', data, '--out', join(out, 'model'), '--epochs', process.env.DEMO_EPOCHS ?? '3', '--seed', '1');
ich('eval', '--model', join(out, 'model'), '--data', data, '--report', join(out, 'report'));
// Transfer learning: InceptionV3 (pretrained, from the nsfwjs package) frozen to mixed5, its features cached, a head trained on them.
ich('train', '--data', data, '--out', join(out, 'inception'), '--model', 'inception', '--seed', '1');
ich('eval', '--model', join(out, 'inception'), '--data', data, '--report', join(out, 'report-inception'));
// Study context: a sequence model over the baseline's embeddings along each ordered series, then the studies most urgent first.
ich('train', '--data', data, '--out', join(out, 'sequence'), '--model', 'baseline+seq', '--base-model', join(out, 'model'), '--seed', '1');
ich('eval', '--model', join(out, 'sequence'), '--data', data, '--report', join(out, 'report-sequence'));
ich('triage', '--model', join(out, 'sequence'), join(data, 'images'), '--limit', '10');
// Explanations: partition SHAP of the baseline on the first slice with a bleed, one panel per label.
const positive = readFileSync(join(data, 'labels.csv'), 'utf8').split('\n').find((l) => /_any,1$/.test(l.trim()))?.split('_any')[0];
if (positive) ich('explain', '--model', join(out, 'model'), join(data, 'images', `${positive}.dcm`), '--method', 'partition', '--out', join(out, 'explain'));
const first = execFileSync('sh', ['-c', `ls ${join(data, 'images')} | head -1`], { encoding: 'utf8' }).trim();
ich('inspect', join(data, 'images', first), '--png', join(out, 'inspect.png'));
process.stdout.write(`\nfigures: ${['phantoms.png', 'label-distribution.png', 'inspect.png', 'report/roc.png', 'report/calibration.png', 'report-inception/roc.png', 'report-sequence/roc.png', ...(positive ? [`explain/${positive}.png`] : [])].map((f) => join(out, f)).join(', ')}\n`);
