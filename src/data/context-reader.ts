// Cached 2.5-D records: a slice's tensor stacked with its neighbours' along its series, read from
// the uint8 tensor cache in the order the index's series assembly gives.
import type { ContextSpec } from '../preprocess/context.js';
import { contextChannels, stackContext } from '../preprocess/context.js';
import type { CacheInfo } from './cache.js';
import type { Db } from './db.js';
import { assembleSeries } from './series.js';
import { TensorReader } from './tensor-reader.js';

/** Where a usable file lies: its series' file ids in order along the normal (assembleSeries), its index there, and the series' place among all (by SeriesInstanceUID). */
export interface SeriesPlace {
  series: readonly number[];
  index: number;
  order: number;
}

/** Each usable file's place in its series, from the index's series assembly. */
export function seriesPlaces(db: Db): Map<number, SeriesPlace> {
  const places = new Map<number, SeriesPlace>();
  assembleSeries(db).forEach((s, order) => s.slices.forEach((id, index) => places.set(id, { series: s.slices, index, order })));
  return places;
}

/** Reads 2.5-D records (contextChannels × N × N, uint8) from the tensor cache. */
export class ContextReader {
  readonly channels: number;
  readonly recordBytes: number;
  private readonly reader: TensorReader;
  private readonly places: Map<number, SeriesPlace>;
  private readonly records = new Map<number, Uint8Array>();

  constructor(
    db: Db,
    readonly info: CacheInfo,
    readonly context: ContextSpec,
  ) {
    this.reader = new TensorReader(db, info);
    this.places = seriesPlaces(db);
    this.channels = contextChannels(info.channels, context);
    this.recordBytes = this.channels * info.size * info.size;
  }

  /** The stacked record of file `fileId` into `out`; undefined when it (or a neighbour) is not cached. */
  read(fileId: number, out: Uint8Array = new Uint8Array(this.recordBytes)): Uint8Array | undefined {
    const place = this.places.get(fileId);
    if (!place) return undefined;
    this.records.clear();
    let missing = false;
    const slice = (j: number): Uint8Array => {
      const id = place.series[j]!;
      let r = this.records.get(id);
      if (!r) {
        r = this.reader.read(id);
        if (!r) {
          missing = true;
          r = new Uint8Array(this.info.recordBytes);
        }
        this.records.set(id, r);
      }
      return r;
    };
    stackContext(slice, place.index, place.series.length, this.info.channels, this.info.size * this.info.size, this.context, out, 0);
    return missing ? undefined : out;
  }

  close(): void {
    this.reader.close();
  }
}
