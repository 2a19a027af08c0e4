import { type CacheInfo, type CachedLabelledFile, cachedLabelledFiles } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { LABEL_COUNT } from '../data/labels.js';
import { Rng, subSeed } from '../shared/rng.js';
import type { Part } from '../data/split.js';
import { ContextReader } from '../data/context-reader.js';
import { TensorReader } from '../data/tensor-reader.js';
import type { ContextSpec } from '../preprocess/context.js';
import { AppearanceScratch, applyAppearance, channelWindows, randomAppearance } from './appearance.js';
import { augmentRecord, randomAugmentation } from './augment.js';

/** One labelled, cached slice. */
export type Sample = CachedLabelledFile;

/** The labelled slices of a split part (or all) that are in the tensor cache, in a stable order. */
export function cachedSamples(db: Db, cache: CacheInfo, part?: Part): Sample[] {
  return cachedLabelledFiles(db, cache.key, part);
}

export interface BatchOptions {
  batch: number;
  seed: number;
  shuffle?: boolean;
  /** Draw positives and negatives (on `any`) equally often. */
  balance?: boolean;
  /** Light augmentation: random left–right flips, rotations within ±8° and shifts within ±4 % of the side. */
  augment?: boolean;
  /** Scanner-appearance augmentation (appearance.ts): blur, HU gain and offset, correlated noise. */
  appearance?: boolean;
  /** 2.5-D records: each slice stacked with its neighbours along the series. */
  context?: ContextSpec;
}

export interface Batch {
  x: Float32Array;
  y: Float32Array;
  n: number;
  samples: Sample[];
}

/**
 * The sample indices of one epoch: as stored, shuffled, or (balance) positives and negatives on `any`
 * drawn alternately with replacement, as many as there are samples.
 */
export function epochOrder(samples: readonly Sample[], rng: Rng, opts: { shuffle?: boolean; balance?: boolean }): number[] {
  const all = samples.map((_, i) => i);
  if (!opts.balance) return opts.shuffle ? rng.shuffle(all) : all;
  const pos = all.filter((i) => samples[i]!.labels[0]! >= 0.5);
  const neg = all.filter((i) => samples[i]!.labels[0]! < 0.5);
  if (!pos.length || !neg.length) return rng.shuffle(all);
  return all.map((i) => (i % 2 ? rng.pick(pos) : rng.pick(neg)));
}

/** Where training and validation batches come from: cached image tensors, or cached feature vectors. */
export interface SampleSource {
  readonly samples: Sample[];
  /** Per-sample input shape (C×N×N for images, [F] for features). */
  readonly inputShape: readonly number[];
  readonly batchesPerEpoch: number;
  /** The batches of one epoch, in an order that depends only on the seed and the epoch number. */
  epoch(epoch: number): Generator<Batch>;
  close(): void;
}

/**
 * Streams batches of float32 tensors (C×N×N in [0, 1]) from the uint8 cache: one buffer per batch,
 * reused; the order of an epoch depends only on the seed and the epoch number.
 */
export class BatchLoader implements SampleSource {
  private readonly reader: TensorReader | ContextReader;
  private readonly record: Uint8Array;
  private readonly channels: number;

  constructor(
    db: Db,
    readonly cache: CacheInfo,
    readonly samples: Sample[],
    readonly opts: BatchOptions,
  ) {
    const context = opts.context?.slices ? new ContextReader(db, cache, opts.context) : undefined;
    this.reader = context ?? new TensorReader(db, cache);
    this.channels = context?.channels ?? cache.channels;
    this.record = new Uint8Array(this.channels * cache.size * cache.size);
  }

  get inputShape(): readonly number[] {
    return [this.channels, this.cache.size, this.cache.size];
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.samples.length / this.opts.batch);
  }

  *epoch(epoch: number): Generator<Batch> {
    const rng = new Rng(subSeed(this.opts.seed, epoch));
    const order = epochOrder(this.samples, rng, this.opts).map((i) => this.samples[i]!);
    const { size } = this.cache;
    const { channels } = this;
    const recordBytes = this.record.length;
    const x = new Float32Array(this.opts.batch * recordBytes);
    const y = new Float32Array(this.opts.batch * LABEL_COUNT);
    const appearance = this.opts.appearance ? { windows: channelWindows(this.cache.windows, this.opts.context), scratch: new AppearanceScratch(size) } : undefined;
    for (let start = 0; start < order.length; start += this.opts.batch) {
      const samples = order.slice(start, start + this.opts.batch);
      samples.forEach((s, b) => {
        if (!this.reader.read(s.fileId, this.record)) throw new Error(`file ${s.fileId}${this.opts.context?.slices ? ' (or a neighbour)' : ''} is not in cache ${this.cache.key}`);
        const base = b * recordBytes;
        if (this.opts.augment) augmentRecord(this.record, channels, size, randomAugmentation(() => rng.random(), 8, 0.04, size), x, base);
        else for (let i = 0; i < recordBytes; i++) x[base + i] = this.record[i]! / 255;
        if (appearance) applyAppearance(x, base, appearance.windows, randomAppearance(() => rng.random()), () => rng.normal(), appearance.scratch);
        y.set(s.labels, b * LABEL_COUNT);
      });
      const n = samples.length;
      yield { x: x.subarray(0, n * recordBytes), y: y.subarray(0, n * LABEL_COUNT), n, samples };
    }
  }

  close(): void {
    this.reader.close();
  }
}
