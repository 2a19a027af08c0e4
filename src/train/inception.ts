// InceptionV3 transfer learning plans: a frozen pretrained base whose pooled features are computed
// once (cached beside the tensor cache) with a 6-output head trained on them, or fine-tuning of the
// blocks from `mixedK` on with every BatchNorm frozen.
import type { CacheInfo } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { Dense, freeze, initWeights, type Model, modelParams, sequential, type Weights } from '../engine/index.js';
import { modelCard } from '../models/folder.js';
import { DEFAULT_BASE_UNTIL, INCEPTION_WEIGHTS_SOURCE, blockIndex, inceptionHead, inceptionPooledBase, inceptionV3Weights, nodesBefore } from '../models/inception.js';
import { type Architecture, buildModel } from '../models/registry.js';
import { contextChannels } from '../preprocess/context.js';
import { cachedSamples } from './dataset.js';
import { cachedFeatures, FeatureSource } from './features.js';
import { imageTrainData, type TrainData, type TrainOptions, type TrainTarget, trainSamples } from './loop.js';

export interface InceptionPlanOptions extends TrainOptions {
  /** Last block of the base (default DEFAULT_BASE_UNTIL). */
  baseUntil?: string;
  /** Train the blocks from this one on; without it the base is frozen and its features cached. */
  fineTuneFrom?: string;
  onFeatures?: (done: number, total: number) => void;
}

/** What to train and on what for `--model inception`. */
export async function inceptionPlan(db: Db, cache: CacheInfo, o: InceptionPlanOptions): Promise<{ data: TrainData; target: TrainTarget }> {
  const baseUntil = o.baseUntil ?? DEFAULT_BASE_UNTIL;
  const context = o.context?.slices ? o.context : undefined;
  if (context && !o.fineTuneFrom) throw new Error('--context with --model inception needs --fine-tune-from: a frozen stem cannot learn the neighbours\' channels');
  const architecture: Architecture = { name: 'inception', options: { size: cache.size, channels: contextChannels(cache.channels, context), baseUntil } };
  const model = buildModel(architecture);
  const pretrained = context ? widenedInputWeights(model, inceptionV3Weights(buildModel({ ...architecture, options: { ...architecture.options, channels: cache.channels } }))) : inceptionV3Weights(model);
  const head = inceptionHead(model);
  const card = modelCard(architecture, cache.windows, cache.size, { context });
  card.training = { transfer: o.fineTuneFrom ? `fine-tune from ${o.fineTuneFrom}` : 'frozen base', weights: INCEPTION_WEIGHTS_SOURCE };

  if (o.fineTuneFrom) {
    if (blockIndex(o.fineTuneFrom) > blockIndex(baseUntil)) throw new Error(`--fine-tune-from ${o.fineTuneFrom} lies after --base-until ${baseUntil}`);
    const frozen = [...nodesBefore(model, o.fineTuneFrom), ...model.nodes.filter((n) => n.layer.kind === 'BatchNorm').map((n) => n.name)];
    const initial: Weights = new Map([...initWeights(model, o.seed), ...pretrained]);
    return { data: imageTrainData(db, cache, o), target: { model: freeze(model, new Set(frozen)), card, initial } };
  }

  if (o.augment || o.appearance) throw new Error(`${o.augment ? '--augment' : '--appearance'} needs --fine-tune-from: a frozen base computes each slice's features once`);
  const base = inceptionPooledBase(model);
  const features = await cachedFeatures(db, cache, { key: `inception-${baseUntil}`, model: base, weights: pretrained }, cachedSamples(db, cache), { threads: o.threads, onProgress: o.onFeatures });
  const headModel: Model = sequential([features.dim], [[head.name, new Dense({ units: head.units })]]);
  const train = new FeatureSource(trainSamples(db, cache, o.exclude), features, { batch: o.batch, seed: o.seed, shuffle: true, balance: o.balance });
  const val = new FeatureSource(cachedSamples(db, cache, 'val'), features, { batch: 64, seed: 0 });
  return {
    data: { train, val, key: `${cache.key}/features-inception-${baseUntil}` },
    target: { model: headModel, card, exportModel: (trained) => ({ model, weights: new Map([...pretrained, ...trained]) }) },
  };
}

/**
 * Pretrained weights for a model with more input channels than they were trained on: each convolution
 * that reads the input keeps its pretrained kernels for the first channels and starts at zero for
 * the extra ones, so the widened model starts out computing what the pretrained one computes.
 */
export function widenedInputWeights(model: Model, pretrained: Weights): Weights {
  const out: Weights = new Map(pretrained);
  for (const p of modelParams(model)) {
    const w = pretrained.get(p.name);
    if (!w || w.length === p.shape.reduce((a, b) => a * b, 1)) continue;
    const [f, c, kh, kw] = p.shape as [number, number, number, number];
    const from = w.length / (f * kh * kw);
    if (p.shape.length !== 4 || !Number.isInteger(from) || from > c) throw new Error(`widenedInputWeights: cannot widen ${p.name} [${p.shape}] from ${w.length} values`);
    const wide = new Float32Array(f * c * kh * kw);
    for (let o = 0; o < f; o++) wide.set(w.subarray(o * from * kh * kw, (o + 1) * from * kh * kw), o * c * kh * kw);
    out.set(p.name, wide);
  }
  return out;
}
