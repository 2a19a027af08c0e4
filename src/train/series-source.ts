// Batches that are whole series: the slices of one series in order along the normal (the index's
// series assembly), as rows of cached per-slice features — what a sequence head trains and validates on.
import { seriesPlaces } from '../data/context-reader.js';
import type { Db } from '../data/db.js';
import { LABEL_COUNT } from '../data/labels.js';
import { Rng, subSeed } from '../shared/rng.js';
import type { Batch, Sample, SampleSource } from './dataset.js';
import { type FeatureTable, featureRows, gatherRows } from './features.js';

/** Sample indices grouped by series, each series in order along the normal (seriesPlaces); series by SeriesInstanceUID, files outside any series last, alone. */
export function seriesGroups(db: Db, samples: readonly Sample[]): number[][] {
  const places = seriesPlaces(db);
  const groups = new Map<number, { i: number; index: number }[]>();
  samples.forEach((s, i) => {
    const p = places.get(s.fileId);
    const key = p ? p.order : places.size + s.fileId;
    const g = groups.get(key) ?? [];
    g.push({ i, index: p?.index ?? 0 });
    groups.set(key, g);
  });
  return [...groups.keys()].sort((a, b) => a - b).map((k) => groups.get(k)!.sort((a, b) => a.index - b.index).map((e) => e.i));
}

/** One batch per series; the order of the series is shuffled per epoch from the seed, or kept. */
export class SeriesSource implements SampleSource {
  readonly samples: Sample[];
  private readonly series: number[][];
  private readonly rows: Int32Array;
  private readonly longest: number;

  constructor(
    db: Db,
    samples: Sample[],
    private readonly table: FeatureTable,
    readonly opts: { seed: number; shuffle?: boolean },
  ) {
    const groups = seriesGroups(db, samples);
    // Samples in series order, so a pass over the epoch yields them as listed here.
    this.samples = groups.flat().map((i) => samples[i]!);
    let at = 0;
    this.series = groups.map((g) => g.map(() => at++));
    this.rows = featureRows(table, this.samples);
    this.longest = Math.max(0, ...groups.map((g) => g.length));
  }

  get inputShape(): readonly number[] {
    return [this.table.dim];
  }

  get batchesPerEpoch(): number {
    return this.series.length;
  }

  *epoch(epoch: number): Generator<Batch> {
    const order = this.series.map((_, i) => i);
    if (this.opts.shuffle) new Rng(subSeed(this.opts.seed, epoch)).shuffle(order);
    const x = new Float32Array(this.longest * this.table.dim);
    const y = new Float32Array(this.longest * LABEL_COUNT);
    for (const s of order) yield gatherRows(this.table, this.rows, this.samples, this.series[s]!, x, y);
  }

  close(): void {}
}
