// Sequence-model plans (`--model baseline+seq | inception+seq --base-model DIR`): the trained 2-D
// model's embeddings and logits of every cached slice are computed once with its inference graph
// (cached beside the tensor cache, keyed by the 2-D model's weights), and a head of temporal
// convolutions trains on whole series of them. The model folder holds the whole model: 2-D model,
// then head, one series per batch.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheInfo } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { loadModelFolder, modelCard, type ModelFolder } from '../models/folder.js';
import type { Architecture, SliceArchitecture } from '../models/registry.js';
import { EMBEDDING_NODES, embeddingModel, type SequenceHeadOptions, sequenceHeadModel, sequenceModel } from '../models/sequence.js';
import { cachedSamples } from './dataset.js';
import { cachedFeatures, type FeatureTable } from './features.js';
import type { TrainData, TrainOptions, TrainTarget } from './loop.js';
import { SeriesSource } from './series-source.js';

export const SEQUENCE_ARCHITECTURES = ['baseline+seq', 'inception+seq'] as const;
export type SequenceArchitecture = (typeof SEQUENCE_ARCHITECTURES)[number];

/** The trained 2-D model a sequence model builds on, checked against the architecture asked for. */
export function sequenceBase(name: SequenceArchitecture, baseModel: string | undefined): ModelFolder & { dir: string } {
  if (!baseModel) throw new Error(`--model ${name} needs --base-model DIR: a trained ${name.replace('+seq', '')} model folder (ich train --model ${name.replace('+seq', '')})`);
  const folder = loadModelFolder(baseModel);
  const want = name.replace('+seq', '');
  if (folder.card.architecture.name !== want) throw new Error(`--base-model ${baseModel} is a ${folder.card.architecture.name} model; --model ${name} needs a ${want} one`);
  return { ...folder, dir: baseModel };
}

/** What to train and on what for a sequence model over the 2-D model `base`. */
export async function sequencePlan(
  db: Db,
  cache: CacheInfo,
  name: SequenceArchitecture,
  base: ModelFolder & { dir: string },
  o: TrainOptions & {
    head?: SequenceHeadOptions;
    /** Train the head on out-of-fold logits of the train part (K fold models of the 2-D model's recipe), which `outOfFoldLogits` gives. */
    folds?: number;
    outOfFoldLogits?: () => Promise<FeatureTable>;
    onFeatures?: (done: number, total: number) => void;
    onStage?: (stage: string, done: number, total: number) => void;
  },
): Promise<{ data: TrainData; target: TrainTarget }> {
  if (o.balance || o.augment || o.appearance) throw new Error(`--balance, --augment and --appearance do not apply to --model ${name}: it trains on whole series of cached embeddings`);
  const baseArch = base.card.architecture as SliceArchitecture;
  // With folds the head reads logits only: they mean the same from every fold model, hidden features do not.
  const embedding = o.folds ? base.model.output : EMBEDDING_NODES[baseArch.name];
  const head = o.head ?? {};
  const architecture: Architecture = { name, options: { base: baseArch, embedding, head } };
  const context = base.card.input.context;
  const card = modelCard(architecture, base.card.input.windows, base.card.input.size, { context, series: true });
  card.training = { base: { model: base.dir, metrics: base.card.metrics }, ...(o.folds ? { stacking: `logits out of ${o.folds} folds for the train part` } : {}) };
  const weightsHash = createHash('sha256').update(readFileSync(join(base.dir, 'weights.safetensors'))).digest('hex').slice(0, 16);
  const key = o.folds ? `seq-${weightsHash}-oof${o.folds}` : `seq-${weightsHash}`;
  if (o.folds && !o.outOfFoldLogits) throw new Error('sequencePlan: folds need outOfFoldLogits (the workflow trains the fold models)');
  const features = o.folds
    ? await o.outOfFoldLogits!()
    : await cachedFeatures(db, cache, { key, model: embeddingModel(base.model, embedding), weights: base.weights }, cachedSamples(db, cache), { threads: o.threads, context, onProgress: o.onFeatures });
  const train = new SeriesSource(db, cachedSamples(db, cache, 'train'), features, { seed: o.seed, shuffle: true });
  const val = new SeriesSource(db, cachedSamples(db, cache, 'val'), features, { seed: 0 });
  const whole = sequenceModel(base.model, embedding, head);
  return {
    data: { train, val, key: `${cache.key}/features-${key}` },
    target: { model: sequenceHeadModel(features.dim, head), card, exportModel: (trained) => ({ model: whole, weights: new Map([...base.weights, ...trained]) }) },
  };
}
