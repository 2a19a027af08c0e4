// A phantom data set and a small baseline trained on it by `ich train` (32² inputs): the fixture of
// the tests that need a real model folder.
import assert from 'node:assert/strict';
import { synthesize } from '../../src/data/phantom/synth.js';
import { runCli } from './hu.js';
import type { TempDir } from './paths.js';

export interface PhantomModel {
  data: string;
  model: string;
  /** What `ich train` printed. */
  stdout: string;
}

/** Synthesizes `studies` 64² phantom studies into TMP/data and trains TMP/model on them for `epochs`. */
export async function phantomModel(tmp: TempDir, o: { studies: number; seed: number; positiveShare: number; epochs: number }): Promise<PhantomModel> {
  const data = tmp.file('data');
  await synthesize({ out: data, studies: o.studies, seed: o.seed, size: 64, positiveShare: o.positiveShare, corrupt: 0 });
  const model = tmp.file('model');
  const r = runCli(['train', '--data', data, '--out', model, '--epochs', String(o.epochs), '--size', '32', '--batch', '16', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  return { data, model, stdout: r.stdout };
}
