import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LABELS } from '../../src/data/labels.js';
import { synthesize } from '../../src/data/phantom/synth.js';
import { fileBrainRegion } from '../../src/preprocess/intracranial.js';
import { readPhantomMasks } from '../../src/data/phantom/masks.js';
import { explainFiles, parseLabels } from '../../src/explain/index.js';
import { shapLayout } from '../../src/figures/shap.js';
import { decodePng } from '../figures/png.js';
import { TempDir } from '../helpers/paths.js';
import { runCli } from '../helpers/hu.js';

const SIZE = 32;

interface ExplainLine {
  file: string;
  sop: string;
  label: string;
  probability: number;
  method: string;
  additivity_error: number;
  expected_sum: number;
  outside_share: number | null;
  outside_sum: number | null;
  seconds: number;
}

let tmp: TempDir;
let data: string;
let model: string;
/** Two slices: one with a bleed, one without. */
let files: string[];

before(async () => {
  tmp = new TempDir('ichdetect-explain-');
  data = tmp.file('data');
  model = tmp.file('model');
  await synthesize({ out: data, studies: 6, seed: 3, size: 64, positiveShare: 0.5, corrupt: 0, threads: 1 });
  const train = runCli(['train', '--data', data, '--out', model, '--epochs', '1', '--size', String(SIZE), '--batch', '16', '--seed', '5', '--threads', '1', '--db', tmp.file('index.db')]);
  assert.equal(train.status, 0, train.stderr);
  const masks = readPhantomMasks(join(data, 'masks'));
  const bleeding = (sop: string) => Object.values(masks.get(sop)!.masks).some((m) => m.some((v) => v));
  const images = readdirSync(join(data, 'images')).sort();
  const positive = images.find((f) => bleeding(f.replace(/\.dcm$/, '')))!;
  const negative = images.find((f) => !bleeding(f.replace(/\.dcm$/, '')))!;
  files = [positive, negative].map((f) => join(data, 'images', f));
});
after(() => tmp.remove());

function jsonLines(stdout: string): ExplainLine[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as ExplainLine);
}

/** The runs' common checks: one JSON line per file and label, PNGs of the figure's size, N×N float32 maps that add up. */
async function checkRun(method: string, lines: ExplainLine[], labels: string[], out: string, maps: string, tolerance: number): Promise<void> {
  assert.equal(lines.length, files.length * labels.length);
  const sops = [...new Set(lines.map((l) => l.sop))];
  assert.equal(sops.length, files.length);
  const expected = shapLayout(SIZE, labels.map((label) => ({ label, probability: 0, map: new Float32Array(SIZE * SIZE) })), { title: 'x' });
  for (const [k, l] of lines.entries()) {
    assert.deepEqual(Object.keys(l).filter((key) => ['file', 'sop', 'label', 'probability', 'method', 'additivity_error', 'seconds'].includes(key)).length, 7, `fields of ${JSON.stringify(l)}`);
    assert.equal(l.file, files[Math.floor(k / labels.length)]);
    assert.equal(l.label, labels[k % labels.length]);
    assert.equal(l.method, method);
    assert.ok(l.probability >= 0 && l.probability <= 1, `probability ${l.probability}`);
    assert.ok(l.seconds > 0 && Number.isFinite(l.seconds));
    assert.ok(Math.abs(l.additivity_error) <= tolerance, `${method} ${l.label}: additivity error ${l.additivity_error} (expected sum ${l.expected_sum})`);
    assert.equal(l.sop, `${l.file.split('/').at(-1)!.replace(/\.dcm$/, '')}`, 'phantom files are named by their SOPInstanceUID');
    const raw = readFileSync(join(maps, `${l.sop}_${l.label}.f32`));
    assert.equal(raw.length, SIZE * SIZE * 4);
    let sum = 0;
    for (let i = 0; i < SIZE * SIZE; i++) sum += raw.readFloatLE(i * 4);
    // The maps are kept inside the intracranial region: what was set to 0 outside it is reported.
    assert.ok(typeof l.outside_sum === 'number' && l.outside_share! >= 0 && l.outside_share! <= 1, `outside fields of ${JSON.stringify(l)}`);
    sum += l.outside_sum!;
    assert.ok(Math.abs(sum - l.expected_sum - l.additivity_error) <= 1e-4 + 1e-3 * Math.abs(l.expected_sum), `map of ${l.label} sums to ${sum}, expected ${l.expected_sum} + ${l.additivity_error}`);
  }
  for (const sop of sops) {
    const png = readFileSync(join(out, `${sop}.png`));
    const px = await decodePng(png);
    assert.deepEqual({ width: px.width, height: px.height }, { width: expected.width, height: expected.height }, `${sop}.png size`);
  }
  assert.equal(readdirSync(maps).length, files.length * labels.length);
}

describe('ich explain', () => {
  it('gradient: two labels, PNG per slice, float32 maps, JSON lines', async () => {
    const out = tmp.file('gradient-png');
    const maps = tmp.file('gradient-maps');
    const r = runCli(['explain', '--model', model, ...files, '--method', 'gradient', '--labels', 'any,subdural', '--samples', '64', '--out', out, '--maps', maps, '--json', '--threads', '1', '--seed', '2']);
    assert.equal(r.status, 0, r.stderr);
    // Expected gradients add up only in expectation: with 64 samples (each background slice once) the error is sampling noise.
    await checkRun('gradient', jsonLines(r.stdout), ['any', 'subdural'], out, maps, 0.02);
  });

  it('partition: all labels by default; Owen values add up exactly', async () => {
    const out = tmp.file('partition-png');
    const maps = tmp.file('partition-maps');
    const r = runCli(['explain', '--model', model, ...files, '--method', 'partition', '--max-evals', '64', '--masker', 'blur', '--out', out, '--maps', maps, '--json', '--threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    await checkRun('partition', jsonLines(r.stdout), [...LABELS], out, maps, 1e-4);
  });

  it('prints a human summary without --json, and is deterministic for a seed', () => {
    const args = ['explain', '--model', model, files[0]!, '--method', 'partition', '--max-evals', '32', '--labels', 'epidural', '--threads', '1'];
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /explained 1 slice × 1 label with partition SHAP, 32 evaluations/);
    assert.match(r.stdout, /largest additivity error/);
    assert.match(r.stdout, /epidural 0\.\d{3}/);
    const a = runCli([...args.slice(0, -2), '--json', '--threads', '1']);
    const b = runCli([...args.slice(0, -2), '--json', '--threads', '1']);
    const strip = (s: string) => jsonLines(s).map((l) => ({ ...l, seconds: 0 }));
    assert.deepEqual(strip(a.stdout), strip(b.stdout));
  });

  it('--output logit explains the log-odds: the same probabilities, sums of logit(f(x)) − logit(f(masked))', () => {
    const args = ['explain', '--model', model, ...files, '--method', 'partition', '--max-evals', '32', '--json', '--threads', '1'];
    const prob = runCli(args);
    const logit = runCli([...args, '--output', 'logit']);
    assert.equal(prob.status, 0, prob.stderr);
    assert.equal(logit.status, 0, logit.stderr);
    const p = jsonLines(prob.stdout);
    const z = jsonLines(logit.stdout);
    assert.equal(z.length, p.length);
    const lg = (q: number) => Math.log(q) - Math.log1p(-q);
    for (const [i, l] of z.entries()) {
      assert.equal(l.label, p[i]!.label);
      assert.ok(Math.abs(l.probability - p[i]!.probability) < 1e-6);
      assert.ok(Math.abs(l.additivity_error) < 1e-4, `additivity ${l.additivity_error}`);
      // Probability run: expected_sum = f(x) − f(masked), so f(masked) = p − expected_sum.
      const masked = p[i]!.probability - p[i]!.expected_sum;
      const want = lg(p[i]!.probability) - lg(masked);
      assert.ok(Math.abs(l.expected_sum - want) < 1e-3 * Math.max(1, Math.abs(want)), `${l.label}: logit sum ${l.expected_sum}, expected ${want}`);
    }
    assert.ok(z.some((l, i) => Math.abs(l.expected_sum - p[i]!.expected_sum) > 1e-3), 'logit and probability sums differ');
  });

  it('--region intracranial (the default) zeroes the maps outside the skull found from the HU image; --region image keeps them whole', async () => {
    const run = (region: string, maps: string) => {
      const r = runCli(['explain', '--model', model, files[0]!, '--method', 'gradient', '--samples', '16', '--labels', 'any', '--maps', maps, '--json', '--threads', '1', '--region', region, '--reference', 'default']);
      assert.equal(r.status, 0, r.stderr);
      const [line] = jsonLines(r.stdout);
      const raw = readFileSync(join(maps, `${line!.sop}_any.f32`));
      return { line: line!, map: Float32Array.from({ length: SIZE * SIZE }, (_, i) => raw.readFloatLE(i * 4)) };
    };
    const inside = run('intracranial', tmp.file('region-ic'));
    const whole = run('image', tmp.file('region-image'));
    const mask = (await fileBrainRegion(files[0]!, SIZE))!.region;
    assert.ok(mask && mask.some((v) => v) && mask.some((v) => !v), 'the phantom slice has a skull');
    for (let i = 0; i < mask.length; i++) assert.equal(inside.map[i], mask[i] ? whole.map[i] : 0, `pixel ${i}`);
    assert.ok(whole.map.some((v, i) => !mask[i] && v !== 0), 'the whole map has attribution outside the skull');
    assert.equal(whole.line.outside_share, null);
    assert.ok(inside.line.outside_share! > 0);
    // Against the empty head (the default), nothing outside the brain's soft tissue differs, so nothing there is attributed.
    const empty = runCli(['explain', '--model', model, files[0]!, '--method', 'gradient', '--samples', '16', '--labels', 'any', '--json', '--threads', '1', '--region', 'image']);
    assert.equal(empty.status, 0, empty.stderr);
  });

  it('rejects bad flags with a clear error and a non-zero exit', () => {
    const cases: [string[], RegExp][] = [
      [['--labels', 'any,bleed'], /unknown label 'bleed': expected all or a comma-separated list of any, epidural/],
      [['--labels', 'any,any'], /label 'any' is given twice/],
      [['--method', 'lime'], /'lime' is invalid.*gradient, partition/s],
      [['--masker', 'zero', '--method', 'partition'], /'zero' is invalid.*blur, inpaint/s],
      [['--masker', 'blur'], /--masker applies to --method partition only/],
      [['--samples', '0'], /--samples must be an integer ≥ 1/],
      [['--max-evals', 'many'], /--max-evals must be an integer ≥ 1/],
      [['--output', 'odds'], /'odds' is invalid.*probability, logit/s],
    ];
    for (const [flags, message] of cases) {
      const r = runCli(['explain', '--model', model, files[0]!, ...flags]);
      assert.notEqual(r.status, 0, `${flags.join(' ')} should fail`);
      assert.match(r.stderr, message, flags.join(' '));
    }
    const missing = runCli(['explain', '--model', tmp.file('no-model'), files[0]!]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /no-model/);
  });

  it('lists unusable files as rejected and exits 2 when nothing was explained', () => {
    const r = runCli(['explain', '--model', model, tmp.file('nothing-here.dcm'), join(data, 'labels.csv'), '--method', 'partition', '--max-evals', '16']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /rejected .*nothing-here\.dcm: /);
    assert.match(r.stderr, /rejected .*labels\.csv: /);
    assert.match(r.stdout, /explained 0 slices/);
  });
});

describe('explainFiles', () => {
  it('returns the input tensor, the SOPInstanceUID and one explanation per label; duplicates are rejected', async () => {
    const seen: string[] = [];
    const copy = tmp.file('copy.dcm');
    copyFileSync(files[0]!, copy);
    const r = await explainFiles(model, [files[0]!, files[0]!, files[1]!, copy], { method: 'partition', labels: 'intraventricular,any', maxEvals: 32, threads: 1, onProgress: (d, t) => seen.push(`${d}/${t}`) });
    assert.deepEqual(seen, ['1/3', '2/3', '3/3'], 'the same path given twice is read once');
    assert.equal(r.files.length, 2);
    assert.deepEqual(r.rejected.map((x) => [x.path, x.code]), [[copy, 'duplicate']]);
    assert.deepEqual(r.labels, [3, 0]);
    assert.equal(r.size, SIZE);
    for (const f of r.files) {
      assert.equal(f.input.length, 3 * SIZE * SIZE);
      assert.ok(f.input.every((v) => v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-3), 'windowed as ich predict: multiples of 1/255');
      assert.deepEqual(f.explanations.map((e) => e.label), [3, 0]);
      assert.ok(f.explanations.every((e) => e.map.length === SIZE * SIZE && e.method === 'partition'));
      assert.ok(f.sop.length > 0 && statSync(f.path).isFile());
    }
    assert.deepEqual(parseLabels('all'), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(parseLabels(' Subdural , any'), [5, 0]);
    assert.throws(() => parseLabels(''), /no labels given/);
    assert.ok(existsSync(join(model, 'model.onnx')));
  });
});
