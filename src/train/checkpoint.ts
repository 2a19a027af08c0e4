import { existsSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Weights } from '../engine/index.js';
import { readSafetensors, writeSafetensors } from '../models/safetensors.js';

/** What a run needs to continue after its last completed epoch. */
export interface Checkpoint {
  epoch: number;
  steps: number;
  bestEpoch: number;
  bestValLoss: number;
  weights: Weights;
  optimizerState: Map<string, Float32Array>;
}

const DIR = 'checkpoint';

/** Writes the checkpoint atomically (a temp folder renamed over the old one): a kill leaves one whole checkpoint. */
export function saveCheckpoint(out: string, c: Checkpoint): void {
  const tmp = join(out, `${DIR}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const flat = (m: Map<string, Float32Array>) => new Map([...m].map(([k, v]) => [k, { shape: [v.length], data: v }]));
  writeSafetensors(join(tmp, 'weights.safetensors'), flat(c.weights));
  writeSafetensors(join(tmp, 'optimizer.safetensors'), flat(c.optimizerState));
  writeFileSync(join(tmp, 'progress.json'), JSON.stringify({ epoch: c.epoch, steps: c.steps, bestEpoch: c.bestEpoch, bestValLoss: c.bestValLoss }));
  rmSync(join(out, DIR), { recursive: true, force: true });
  renameSync(tmp, join(out, DIR));
}

export function loadCheckpoint(out: string): Checkpoint | undefined {
  const dir = join(out, DIR);
  if (!existsSync(join(dir, 'progress.json'))) return undefined;
  const progress = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as Omit<Checkpoint, 'weights' | 'optimizerState'>;
  const read = (file: string) => new Map([...readSafetensors(join(dir, file)).tensors].map(([k, t]) => [k, t.data]));
  return { ...progress, weights: read('weights.safetensors'), optimizerState: read('optimizer.safetensors') };
}
