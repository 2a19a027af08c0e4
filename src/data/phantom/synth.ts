import { mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInPool } from '../pool.js';
import type { SynthTask } from '../workers/synth-worker.js';
import { PHANTOM_STYLES, type PhantomStyle, type PlanOptions } from './plan.js';
import { Rng, subSeed } from '../../shared/rng.js';
import type { StudyResult } from './study.js';

export interface SynthOptions {
  out: string;
  studies?: number;
  seed?: number;
  size?: number;
  positiveShare?: number;
  /** Store a third of the studies compressed (RLE, JPEG-LS, JPEG lossless); default true. */
  compress?: boolean;
  /** Phantom style: 'a' (default) or 'b', another look for training on one and testing on the other. */
  style?: PhantomStyle;
  /** Truncate this many files after writing them, as RSNA's one broken file; default 1. */
  corrupt?: number;
  threads?: number;
  onProgress?: (doneSlices: number, totalStudies: number, doneStudies: number) => void;
}

export interface SynthSummary {
  out: string;
  studies: number;
  slices: number;
  positiveSlices: number;
  /** Studies per storage variant (sign, bits, rescale, padding, compression). */
  storage: Record<string, number>;
  corrupted: string[];
  seconds: number;
}

/** Cuts `count` files (chosen by the seed) somewhere in their second half, as a failed copy would. */
function corruptFiles(out: string, files: string[], count: number, seed: number): string[] {
  const rng = new Rng(subSeed(seed, 0xc0ffee));
  const chosen = new Set<string>();
  while (chosen.size < Math.min(count, files.length)) chosen.add(rng.pick(files));
  for (const f of chosen) {
    const path = join(out, f);
    truncateSync(path, Math.floor(statSync(path).size * rng.uniform(0.5, 0.95)));
  }
  return [...chosen].sort();
}

/**
 * Writes an RSNA-shaped phantom data set: `images/ID_<hex>.dcm` (one per slice), `labels.csv`
 * (RSNA `ID,Label` rows, shuffled) and `masks/<StudyInstanceUID>.json`. Studies are written in
 * worker threads; everything depends only on the seed.
 */
export async function synthesize(opts: SynthOptions): Promise<SynthSummary> {
  const started = performance.now();
  const studies = opts.studies ?? 40;
  const plan: PlanOptions = { seed: opts.seed ?? 1, size: opts.size ?? 512, positiveShare: opts.positiveShare ?? 0.14, compress: opts.compress ?? true, style: opts.style ?? 'a' };
  if (!PHANTOM_STYLES.includes(plan.style!)) throw new Error(`--style ${plan.style}: expected ${PHANTOM_STYLES.join(' or ')}`);
  if (!Number.isInteger(studies) || studies < 1) throw new Error(`--studies ${studies}: expected a positive integer`);
  if (!(plan.positiveShare >= 0 && plan.positiveShare <= 1)) throw new Error(`--positive-share ${plan.positiveShare}: expected a share in [0, 1]`);
  mkdirSync(join(opts.out, 'images'), { recursive: true });
  mkdirSync(join(opts.out, 'masks'), { recursive: true });
  const results: StudyResult[] = [];
  let slices = 0;
  const tasks = Array.from({ length: studies }, (_, index): SynthTask => ({ index, plan, dir: opts.out }));
  await runInPool<SynthTask, StudyResult>('synth-worker', tasks, opts.threads, (r) => {
    results.push(r);
    slices += r.slices;
    opts.onProgress?.(slices, studies, results.length);
  });
  results.sort((a, b) => a.index - b.index);
  const rows = new Rng(subSeed(plan.seed, 0x1abe1)).shuffle(results.flatMap((r) => r.labelRows));
  writeFileSync(join(opts.out, 'labels.csv'), ['ID,Label', ...rows].join('\n') + '\n');
  const corrupted = corruptFiles(opts.out, results.flatMap((r) => r.files), opts.corrupt ?? 1, plan.seed);
  const storage: Record<string, number> = {};
  for (const r of results) storage[r.storage] = (storage[r.storage] ?? 0) + 1;
  return {
    out: opts.out,
    studies,
    slices,
    positiveSlices: results.reduce((a, r) => a + r.positiveSlices, 0),
    storage,
    corrupted,
    seconds: (performance.now() - started) / 1000,
  };
}

