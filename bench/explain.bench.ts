/**
 * npm run bench:explain [-- options] — how faithful the explainers are, on phantom test slices with
 * bleeds, whose ground-truth masks say where the evidence is.
 *
 * Without --model/--data it synthesises a phantom set (masks at the synth size), trains the baseline
 * on it with trainRun (index → patient-level split → cache, positives and negatives sampled equally
 * often; the model folder gets its background sample), then takes test-part slices with a bleed, chosen round-robin over the subtypes so each
 * subtype is represented. Every slice is explained for all six labels by each method (explainFiles,
 * the code behind `ich explain`), and for each method and label, over the slices where that label's
 * mask is non-empty (`any`: the union of the subtype masks; masks area-downsampled to the model's
 * input size and kept where they cover at least half a pixel):
 *
 *  - pointing game: the pixel of largest attribution lies in the mask dilated by 2 pixels
 *    (Euclidean; of pixels tied at the maximum, the one nearest their centroid); "chance" is the dilated mask's share of the image (a uniformly random pixel);
 *  - positive attribution in the mask: Σ max(φ, 0) inside the mask ÷ Σ max(φ, 0), against the
 *    mask's share of the image;
 *  - top 1 % / 5 % precision: the share of the most-attributed pixels within 2 pixels of the mask;
 *  - deletion: the label's probability as the most-attributed pixels (all channels) are replaced by
 *    a Gaussian-blurred copy of the slice (σ = N/12; a different blur from the partition masker's
 *    box blur), in --steps steps up to --deletion-max of the pixels, against random pixel orders
 *    (--random-orders, averaged); the area under each curve over the normalised deleted fraction
 *    (= the curve's mean probability; lower is more faithful); insertion: the same pixels put back
 *    into the blurred slice in that order (higher is more faithful);
 *  - outside: the share of |attribution| outside the intracranial region (zeroed with --region intracranial);
 *  - seconds per slice explaining all six labels.
 *
 * Two evaluation sets: the training style's test part ("same style"), and a phantom set of another
 * style (--eval-style b, synthesised with a seed of its own, every slice a candidate; --eval-data DIR
 * for a folder of your own; --eval-style none for the first set alone).
 *
 * Prints a table, writes OUT/deletion-<set>.png (mean deletion curves per label), OUT/explain-bench.json
 * and OUT/examples/<set>_<SOPInstanceUID>_<method>.png (the `ich explain` figure of each slice).
 *
 * Options: --out DIR (default .bench/explain) --model DIR --data DIR (phantom folder with masks/;
 * with --data alone the baseline is trained on it) --slices 8 --studies 40 --synth-size 128
 * --size 64 --epochs 8 --methods gradient,partition --samples 200 --max-evals 500 --masker blur
 * --output probability|logit (what both explainers explain; the deletion curves always show the probability)
 * --region intracranial|image --reference empty-head|default (as ich explain) --eval-style b|none --eval-data DIR
 * --steps 20 --deletion-max 0.2 --random-orders 3 --threads 2 --seed 1
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDbPath, openIndexDb } from '../src/data/db.js';
import { LABELS } from '../src/data/labels.js';
import { readPhantomMasks, type SliceMasks } from '../src/data/phantom/masks.js';
import { PHANTOM_STYLES, type PhantomStyle, SUBTYPES } from '../src/data/phantom/plan.js';
import { synthesize } from '../src/data/phantom/synth.js';
import { seededRandom, shuffleInPlace } from '../src/shared/random.js';
import { openSession } from '../src/engine/session.js';
import { checkMethod, explainFiles, type FileExplanation } from '../src/explain/explain-files.js';
import type { MaskerKind } from '../src/explain/masker.js';
import { checkOutput } from '../src/explain/types.js';
import { checkReference, checkRegion } from '../src/explain/region.js';
import { attributionOrder, auc, column, dilate, gaussianBlur, pixelCurve, positiveShareInside, share, topPixel, topPrecision } from './explain-metrics.js';
import type { ExplainMethod } from '../src/explain/types.js';
import { drawAxes, strokeSeries, clipTo, REFERENCE_DASH } from '../src/figures/axes.js';
import { createFigure, drawText, panelTitle, toPng, writePng, PANEL_TITLE_HEIGHT } from '../src/figures/canvas.js';
import { shapCaption, shapFigure } from '../src/figures/shap.js';
import { LIGHT_THEME } from '../src/figures/theme.js';
import { loadModelFolder } from '../src/models/folder.js';
import { resampleArea } from '../src/preprocess/resample.js';
import { trainRun } from '../src/workflow/train-run.js';
import { median } from './median.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: o } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, '.bench/explain') },
    model: { type: 'string' },
    data: { type: 'string' },
    slices: { type: 'string', default: '8' },
    studies: { type: 'string', default: '40' },
    'synth-size': { type: 'string', default: '128' },
    size: { type: 'string', default: '64' },
    epochs: { type: 'string', default: '8' },
    methods: { type: 'string', default: 'gradient,partition' },
    samples: { type: 'string', default: '200' },
    'max-evals': { type: 'string', default: '500' },
    masker: { type: 'string', default: 'blur' },
    output: { type: 'string', default: 'probability' },
    steps: { type: 'string', default: '20' },
    'deletion-max': { type: 'string', default: '0.2' },
    'random-orders': { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    'eval-style': { type: 'string', default: 'b' },
    'eval-data': { type: 'string' },
    region: { type: 'string', default: 'intracranial' },
    reference: { type: 'string', default: 'empty-head' },
    smoothing: { type: 'string', default: '0' },
  },
});

function int(name: keyof typeof o, min = 1): number {
  const v = Number(o[name]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} ${o[name]}: expected an integer ≥ ${min}`);
  return v;
}

const out = resolve(o.out!);
const slicesWanted = int('slices');
const steps = int('steps');
const randomOrders = int('random-orders');
const threads = int('threads');
const seed = int('seed', 0);
const deletionMax = Number(o['deletion-max']);
if (!(deletionMax > 0 && deletionMax <= 1)) throw new Error(`--deletion-max ${o['deletion-max']}: expected a fraction in (0, 1]`);
const methods = o.methods!.split(',').map((m) => checkMethod(m.trim()));
const masker = o.masker as MaskerKind;
if (masker !== 'blur' && masker !== 'inpaint') throw new Error(`--masker ${masker}: expected blur or inpaint`);
const output = checkOutput(o.output, '--output');
const region = checkRegion(o.region, '--region');
const reference = checkReference(o.reference, '--reference');
const evalStyle = o['eval-style'] === 'none' ? undefined : (o['eval-style'] as PhantomStyle);
if (evalStyle && !PHANTOM_STYLES.includes(evalStyle)) throw new Error(`--eval-style ${evalStyle}: expected ${PHANTOM_STYLES.join(', ')} or none`);
const curveSpec = { steps, max: deletionMax };
const DILATE = 2;
const METHOD_COLORS: Record<ExplainMethod, string> = { gradient: '#0072b2', partition: '#d55e00' };
const RANDOM_COLOR = '#80868b';

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------- data and model

async function prepare(): Promise<{ data: string; model: string }> {
  if (o.model && !o.data) throw new Error('--model needs --data: the phantom folder whose masks/ the slices are judged against');
  const data = o.data ? resolve(o.data) : join(out, 'data');
  if (!o.data) {
    rmSync(data, { recursive: true, force: true });
    log(`synthesising ${o.studies} phantom studies at ${o['synth-size']}² into ${data} …`);
    const s = await synthesize({ out: data, studies: int('studies'), seed, size: int('synth-size', 16), positiveShare: 0.5, corrupt: 0, threads });
    log(`  ${s.slices} slices, ${s.positiveSlices} with a bleed, ${s.seconds.toFixed(1)} s`);
  }
  if (!existsSync(join(data, 'masks'))) throw new Error(`${data} has no masks/ folder: not a phantom set`);
  if (o.model) return { data, model: resolve(o.model) };
  const model = join(out, 'model');
  rmSync(model, { recursive: true, force: true });
  log(`training the baseline at ${o.size}² for up to ${o.epochs} epochs …`);
  const t0 = performance.now();
  const r = await trainRun({
    data, out: model, model: 'baseline', optimizer: 'adam', size: int('size', 16), epochs: int('epochs'), patience: 3, batch: 32, lr: 1e-3, seed, threads, balance: true, db: join(out, 'index.db'),
    onEpoch: (e) => log(`  epoch ${e.epoch + 1}: train loss ${e.trainLoss.toFixed(4)}, val weighted log loss ${e.valLoss.toFixed(4)}${e.best ? ' (best)' : ''}, ${e.seconds.toFixed(1)} s`),
  });
  log(`  best epoch ${r.bestEpoch + 1}, val weighted log loss ${r.bestValLoss.toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return { data, model };
}

/** Usable files of the split's test part (or every usable file when there is no split). */
function candidateFiles(data: string): { path: string; sop: string }[] {
  // The bench's own index (when it trained the model here), else the data folder's.
  const path = [join(out, 'index.db'), defaultDbPath(data)].find((p) => existsSync(p)) ?? defaultDbPath(data);
  if (!existsSync(path)) throw new Error(`${data} has no index (${path}): run ich index and ich split on it, or let the bench train its own model`);
  const db = openIndexDb(path);
  try {
    const split = (db.prepare('SELECT COUNT(*) AS n FROM split').get() as { n: number }).n > 0;
    const sql = split
      ? `SELECT f.path AS path, f.sop_instance_uid AS sop FROM files f JOIN split s ON s.patient_id = f.patient_id WHERE f.status = 'ok' AND s.part = 'test' ORDER BY f.path`
      : `SELECT path, sop_instance_uid AS sop FROM files WHERE status = 'ok' ORDER BY path`;
    if (!split) log(`note: ${path} has no split; choosing among all slices`);
    return db.prepare(sql).all() as { path: string; sop: string }[];
  } finally {
    db.close();
  }
}

/** The label masks at the model's input side n: any (union) and each subtype; kept where the area-averaged cover is ≥ ½. */
function labelMasks(m: SliceMasks, n: number): Uint8Array[] {
  const src = new Float32Array(m.rows * m.columns);
  const cover = new Float32Array(n * n);
  const subtype = SUBTYPES.map((s) => {
    const mask = m.masks[s];
    for (let i = 0; i < src.length; i++) src[i] = mask[i]!;
    resampleArea(src, m.rows, m.columns, n, 0, cover);
    return Uint8Array.from(cover, (v) => (v >= 0.5 ? 1 : 0));
  });
  const any = new Uint8Array(n * n);
  for (const s of subtype) for (let i = 0; i < any.length; i++) any[i] ||= s[i]!;
  // LABELS order: any, then the subtypes (SUBTYPES is LABELS without any).
  return [any, ...LABELS.slice(1).map((l) => subtype[SUBTYPES.indexOf(l as (typeof SUBTYPES)[number])]!)];
}

/** Every slice of a phantom folder (named images/<SOPInstanceUID>.dcm by ich synth): the candidates of a set not trained on. */
function phantomFiles(data: string): { path: string; sop: string }[] {
  return readdirSync(join(data, 'images')).filter((f) => f.endsWith('.dcm')).sort().map((f) => ({ path: join(data, 'images', f), sop: f.slice(0, -4) }));
}

/** The other-style phantom set: --eval-data, or synthesised in --eval-style with the training set's size and a seed of its own. */
async function otherStyleData(): Promise<string | undefined> {
  if (o['eval-data']) return resolve(o['eval-data']);
  if (!evalStyle) return undefined;
  const dir = join(out, `data-${evalStyle}`);
  if (!existsSync(join(dir, 'masks'))) {
    log(`synthesising ${o.studies} phantom studies of style ${evalStyle} at ${o['synth-size']}² into ${dir} …`);
    await synthesize({ out: dir, studies: int('studies'), seed: seed + 1000, size: int('synth-size', 16), positiveShare: 0.5, corrupt: 0, threads, style: evalStyle });
  }
  return dir;
}

interface BenchSlice {
  path: string;
  sop: string;
  /** Per label (LABELS order), the mask at the input side; empty = the label is absent. */
  masks: Uint8Array[];
  present: boolean[];
}

/** Test slices with a bleed, round-robin over the subtypes (seeded), so every subtype is represented when it can be. */
function chooseSlices(data: string, n: number, candidates: { path: string; sop: string }[]): BenchSlice[] {
  const masks = readPhantomMasks(join(data, 'masks'));
  const byLabel: BenchSlice[][] = LABELS.slice(1).map(() => []);
  for (const f of candidates) {
    const m = masks.get(f.sop);
    if (!m) continue;
    const lm = labelMasks(m, n);
    const present = lm.map((mask) => mask.some((v) => v));
    if (!present[0]) continue;
    const s: BenchSlice = { ...f, masks: lm, present };
    present.slice(1).forEach((p, k) => p && byLabel[k]!.push(s));
  }
  const random = seededRandom(seed);
  byLabel.forEach((list) => shuffleInPlace(list, random));
  const chosen = new Map<string, BenchSlice>();
  for (let round = 0; chosen.size < slicesWanted && byLabel.some((l) => l.length > round); round++) {
    for (const list of byLabel) {
      const s = list[round];
      if (s && chosen.size < slicesWanted) chosen.set(s.sop, s);
    }
  }
  return [...chosen.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

interface Row {
  /** The evaluation set: the training style's test part, or the other style. */
  set: string;
  method: ExplainMethod;
  label: string;
  slices: number;
  pointing: number;
  pointingChance: number;
  positiveInside: number;
  maskShare: number;
  deletionAuc: number;
  randomAuc: number;
  /** Insertion: probability as the most-attributed pixels are put back into the blurred slice (higher is better). */
  insertionAuc: number;
  randomInsertionAuc: number;
  /** Share of the top 1 % / 5 % of pixels by attribution inside the mask dilated by DILATE px. */
  top1: number;
  top5: number;
  /** Share of |attribution| outside the intracranial region (0 with --region image). */
  outside: number;
  /** Mean deletion curves over the slices: the method's order and random orders. */
  curve: number[];
  randomCurve: number[];
  secondsPerSlice: number;
  additivityError: number;
}

// ---------------------------------------------------------------- figure

/** A round upper limit for a probability axis and its five ticks. */
function probabilityAxis(max: number): { hi: number; ticks: number[] } {
  const hi = [0.02, 0.04, 0.08, 0.2, 0.4, 0.6, 0.8, 1].find((v) => v >= max) ?? 1;
  return { hi, ticks: [0, 0.25, 0.5, 0.75, 1].map((f) => f * hi) };
}

function deletionFigure(rows: readonly Row[], path: string): void {
  const labels = LABELS.filter((l) => rows.some((r) => r.label === l));
  const W = 280;
  const H = 190;
  const cols = Math.min(3, labels.length);
  const left = 66;
  const gapX = 70;
  const top = 96 + PANEL_TITLE_HEIGHT;
  const rowH = H + PANEL_TITLE_HEIGHT + 58;
  const width = left + cols * W + (cols - 1) * gapX + 24;
  const height = top + Math.ceil(labels.length / cols) * rowH - PANEL_TITLE_HEIGHT;
  const fig = createFigure(width, height, LIGHT_THEME);
  const { ctx, theme } = fig;
  drawText(ctx, 'Deletion curves: probability as the most-attributed pixels are blurred away', 24, 34, { size: 18, weight: 'bold', color: theme.text, maxWidth: width - 48 });
  drawText(ctx, `mean over phantom test slices with the label's bleed (lower is more faithful)  ·  Gaussian blur σ = N/12  ·  ${steps} steps  ·  AUC = mean probability`, 24, 56, { size: 13, color: theme.muted, maxWidth: width - 48, minSize: 10 });
  let lx = 24;
  const ly = 82;
  for (const [name, color, dash] of [...methods.map((m) => [m, METHOD_COLORS[m], false] as const), ['random order', RANDOM_COLOR, true] as const]) {
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(dash ? [...REFERENCE_DASH] : []);
    ctx.beginPath();
    ctx.moveTo(lx, ly - 5);
    ctx.lineTo(lx + 24, ly - 5);
    ctx.stroke();
    ctx.restore();
    lx += 30 + drawText(ctx, name, lx + 30, ly, { size: 13, color: theme.text }) + 24;
  }
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * deletionMax);
  labels.forEach((label, i) => {
    const mine = rows.filter((r) => r.label === label);
    const rect = { x: left + (i % cols) * (W + gapX), y: top + Math.floor(i / cols) * rowH, width: W, height: H };
    const axis = probabilityAxis(Math.max(...mine.flatMap((r) => [...r.curve, ...r.randomCurve])));
    const n = mine[0]!.slices;
    panelTitle(fig, rect.x, rect.y, W, `${label} (${n} slice${n === 1 ? '' : 's'})`, `AUC ${mine.map((r) => `${r.method} ${r.deletionAuc.toFixed(3)}`).join(' · ')} · random ${mine[0]!.randomAuc.toFixed(3)}`);
    drawAxes(fig, rect, {
      xScale: { lo: 0, hi: deletionMax }, yScale: { lo: 0, hi: axis.hi }, xTicks, yTicks: axis.ticks,
      xLabel: (v) => `${Number((v * 100).toFixed(1))}%`, yLabel: (v) => String(Number(v.toPrecision(2))),
      xTitle: 'pixels deleted', yTitle: i % cols === 0 ? 'probability' : undefined,
    });
    const pts = (curve: readonly number[]) => curve.map((p, k) => ({ x: rect.x + (k / steps) * W, y: rect.y + H - (p / axis.hi) * H }));
    ctx.save();
    clipTo(ctx, rect, 2);
    ctx.lineWidth = 2.5;
    ctx.lineJoin = 'round';
    ctx.strokeStyle = RANDOM_COLOR;
    ctx.setLineDash([...REFERENCE_DASH]);
    strokeSeries(ctx, pts(mine[0]!.randomCurve));
    ctx.setLineDash([]);
    for (const r of mine) {
      ctx.strokeStyle = METHOD_COLORS[r.method];
      strokeSeries(ctx, pts(r.curve));
    }
    ctx.restore();
  });
  writePng(path, toPng(fig));
}

// ---------------------------------------------------------------- main

interface Accumulated {
  pointing: number[];
  chance: number[];
  inside: number[];
  maskShare: number[];
  curves: number[][];
  random: number[][];
  insertion: number[];
  randomInsertion: number[];
  top1: number[];
  top5: number[];
  outside: number[];
  additivity: number[];
}

const mean = (v: readonly number[]) => v.reduce((x, y) => x + y, 0) / Math.max(1, v.length);
const meanCurve = (cs: readonly number[][]) => cs[0]!.map((_, k) => mean(cs.map((cv) => cv[k]!)));

/** Explains the slices of one evaluation set with every method and measures each label's maps against its mask. */
async function measureSet(set: string, slices: BenchSlice[], model: string, c: number, n: number): Promise<Row[]> {
  const counts = LABELS.map((_, j) => slices.filter((s) => s.present[j]).length);
  log(`\n${set}: ${slices.length} slices with a bleed at ${n}²: ${LABELS.map((l, j) => `${l} ${counts[j]}`).join(', ')}`);
  const explained = new Map<ExplainMethod, Map<string, FileExplanation>>();
  const stem = set.replace(/\W+/g, '-');
  for (const method of methods) {
    log(`explaining with ${method} (${method === 'gradient' ? `${o.samples} samples` : `${o['max-evals']} evaluations, ${masker}`}, region ${region}, reference ${reference}) …`);
    const r = await explainFiles(model, slices.map((s) => s.path), {
      method, labels: 'all', samples: int('samples'), maxEvals: int('max-evals'), masker, output, threads, seed, region, reference, smoothing: Number(o.smoothing),
      onProgress: (d, t) => process.stderr.write(`\r  ${d}/${t} slices`),
    });
    process.stderr.write('\n');
    if (r.rejected.length) throw new Error(`rejected: ${r.rejected.map((x) => `${x.path}: ${x.reason}`).join('; ')}`);
    explained.set(method, new Map(r.files.map((f) => [f.sop, f])));
    mkdirSync(join(out, 'examples'), { recursive: true });
    for (const f of r.files) {
      const panels = f.explanations.map((e) => ({ label: LABELS[e.label]!, probability: e.probability, map: e.map }));
      const truth = LABELS.filter((_, j) => slices.find((s) => s.sop === f.sop)!.present[j]).join(', ');
      writePng(join(out, 'examples', `${stem}_${f.sop}_${method}.png`), shapFigure(f.input, n, panels, { title: `${f.sop} (${set})`, info: `${method} SHAP of the ${output}, ${region}, reference ${reference}  ·  ground truth: ${truth}  ·  ${f.seconds.toFixed(1)} s`, colorbarCaption: shapCaption(output) }));
    }
  }
  log('deletion and insertion curves …');
  const session = await openSession(readFileSync(join(model, 'model.onnx')), { threads });
  const acc = new Map<string, Accumulated>();
  const key = (m: ExplainMethod, j: number) => `${m}\t${j}`;
  const random = seededRandom(seed + 7);
  const plane = n * n;
  const randomMean = (curves: Float32Array[], j: number) => column(curves[0]!, j).map((_, k) => curves.reduce((sum, rc) => sum + rc[k * LABELS.length + j]!, 0) / curves.length);
  try {
    for (const s of slices) {
      const x = explained.get(methods[0]!)!.get(s.sop)!.input;
      const blurred = gaussianBlur(x, c, n, n / 12);
      // Random orders: the same for every method and label of this slice.
      const randomDeletion: Float32Array[] = [];
      const randomInsertion: Float32Array[] = [];
      for (let r = 0; r < randomOrders; r++) {
        const order = shuffleInPlace(Array.from({ length: plane }, (_, i) => i), random);
        randomDeletion.push(await pixelCurve(session, x, blurred, order, c, n, curveSpec));
        randomInsertion.push(await pixelCurve(session, blurred, x, order, c, n, curveSpec));
      }
      for (const method of methods) {
        const f = explained.get(method)!.get(s.sop)!;
        for (const e of f.explanations) {
          const j = e.label;
          if (!s.present[j]) continue;
          const mask = s.masks[j]!;
          const dilated = dilate(mask, n, DILATE);
          const order = attributionOrder(e.map);
          let a = acc.get(key(method, j));
          if (!a) acc.set(key(method, j), (a = { pointing: [], chance: [], inside: [], maskShare: [], curves: [], random: [], insertion: [], randomInsertion: [], top1: [], top5: [], outside: [], additivity: [] }));
          a.pointing.push(dilated[topPixel(e.map, n)] ? 1 : 0);
          a.chance.push(share(dilated));
          a.inside.push(positiveShareInside(e.map, mask));
          a.maskShare.push(share(mask));
          a.curves.push(column(await pixelCurve(session, x, blurred, order, c, n, curveSpec), j));
          a.random.push(randomMean(randomDeletion, j));
          a.insertion.push(auc(column(await pixelCurve(session, blurred, x, order, c, n, curveSpec), j)));
          a.randomInsertion.push(auc(randomMean(randomInsertion, j)));
          a.top1.push(topPrecision(order, dilated, 0.01));
          a.top5.push(topPrecision(order, dilated, 0.05));
          a.outside.push(e.outsideShare ?? 0);
          a.additivity.push(Math.abs(e.additivityError));
        }
      }
    }
  } finally {
    await session.release();
  }
  const rows: Row[] = [];
  for (const method of methods) {
    const seconds = median([...explained.get(method)!.values()].map((f) => f.seconds));
    LABELS.forEach((label, j) => {
      const a = acc.get(key(method, j));
      if (!a) return;
      rows.push({
        set, method, label, slices: a.pointing.length,
        pointing: mean(a.pointing), pointingChance: mean(a.chance), positiveInside: mean(a.inside), maskShare: mean(a.maskShare),
        deletionAuc: mean(a.curves.map(auc)), randomAuc: mean(a.random.map(auc)),
        insertionAuc: mean(a.insertion), randomInsertionAuc: mean(a.randomInsertion),
        top1: mean(a.top1), top5: mean(a.top5), outside: mean(a.outside),
        curve: meanCurve(a.curves), randomCurve: meanCurve(a.random),
        secondsPerSlice: seconds, additivityError: median(a.additivity),
      });
    });
  }
  deletionFigure(rows, join(out, `deletion-${stem}.png`));
  return rows;
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const { data, model } = await prepare();
  const { card } = loadModelFolder(model);
  const n = card.input.size;
  const c = card.input.channels;
  const sets: { name: string; slices: BenchSlice[] }[] = [{ name: 'same style', slices: chooseSlices(data, n, candidateFiles(data)) }];
  const other = await otherStyleData();
  if (other) sets.push({ name: `style ${o['eval-data'] ? basename(other) : evalStyle}`, slices: chooseSlices(other, n, phantomFiles(other)) });
  for (const s of sets) if (s.slices.length === 0) throw new Error(`${s.name}: no slices with a bleed: synthesise more studies (--studies)`);
  const rows: Row[] = [];
  for (const s of sets) rows.push(...(await measureSet(s.name, s.slices, model, c, n)));

  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const header = ['set', 'method', 'label', 'slices', 'pointing', 'chance', 'top 1%', 'top 5%', 'pos. in mask', 'mask area', 'outside', 'deletion AUC', 'random', 'insertion AUC', 'random', 's/slice', '|additivity err|'];
  const table = rows.map((r) => [r.set, r.method, r.label, String(r.slices), pct(r.pointing), pct(r.pointingChance), pct(r.top1), pct(r.top5), pct(r.positiveInside), pct(r.maskShare), pct(r.outside), r.deletionAuc.toFixed(3), r.randomAuc.toFixed(3), r.insertionAuc.toFixed(3), r.randomInsertionAuc.toFixed(3), r.secondsPerSlice.toFixed(2), r.additivityError.toExponential(1)]);
  const widths = header.map((h, k) => Math.max(h.length, ...table.map((t) => t[k]!.length)));
  const line = (cells: string[]) => cells.map((v, k) => (k < 3 ? v.padEnd(widths[k]!) : v.padStart(widths[k]!))).join('  ');
  const text = [
    `explainer faithfulness on phantom slices with bleeds (model ${model}, trained on ${data}, input ${c}×${n}×${n}; gradient ${o.samples} samples, partition ${o['max-evals']} evaluations ${masker}; explaining the ${output}; region ${region}; reference ${reference}; ${threads} threads)`,
    `pointing: top pixel within ${DILATE} px of the mask (chance: a random pixel); top k%: share of the k% most-attributed pixels within ${DILATE} px of the mask; pos. in mask: share of positive attribution inside the mask (mask area: what a uniform map gives);`,
    `outside: share of |attribution| outside the intracranial region, zeroed; deletion / insertion AUC: mean probability while the top ${pct(deletionMax)} of pixels are blurred away (lower is better) / put back into the blurred slice (higher is better), ${steps} steps; random: ${randomOrders} random orders`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.map(line),
  ].join('\n');
  process.stdout.write(`${text}\n`);
  // The time of expected gradients (samples forwards + samples × labels input backwards) against partition SHAP's max-evals forwards, from the same run.
  for (const s of sets) {
    const time = (method: string) => rows.find((r) => r.set === s.name && r.method === method)?.secondsPerSlice;
    const [g, p] = [time('gradient'), time('partition')];
    if (g !== undefined && p !== undefined) process.stdout.write(`${s.name}: expected gradients ${g.toFixed(2)} s/slice, partition ${p.toFixed(2)} s/slice, gradient/partition ${(g / p).toFixed(2)}\n`);
  }
  writeFileSync(join(out, 'explain-bench.json'), JSON.stringify({ model, data, input: [c, n, n], sets: sets.map((s) => ({ name: s.name, slices: s.slices.map((x) => x.sop) })), options: o, rows }, null, 2) + '\n');
  process.stdout.write(`\ndeletion curves: ${join(out, 'deletion-<set>.png')}\nexample figures: ${join(out, 'examples')}/<set>_<SOPInstanceUID>_<method>.png\n`);
}

await main();
