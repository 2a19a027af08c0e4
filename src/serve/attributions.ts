// Attribution overlays for the service: one label's SHAP map of one stored slice, computed on first
// request with the model folder's explainer (expected gradients over its background sample, as
// `ich explain` does, shown inside the intracranial region), one at a time, and kept under
// DATA/attributions/ for every later request.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openExplainer } from '../explain/explain-files.js';
import { emptyHead, restrictToRegion } from '../explain/region.js';
import type { Explainer } from '../explain/types.js';
import { absPercentile, SHAP_LIMIT_PERCENTILE } from '../figures/shap.js';
import { readModelCard, type ModelCard } from '../models/folder.js';
import { DecodePool } from './decode-pool.js';
import { RequestError } from './multipart.js';
import type { Overlay } from './render.js';

export interface AttributionOptions {
  /** Expected-gradient samples per slice (default 100). */
  samples?: number;
  /** Where slices are decoded (a pool of its own when not given). */
  decoder?: DecodePool;
  /** ONNX Runtime intra-op threads. */
  threads?: number;
}

export const DEFAULT_OVERLAY_SAMPLES = 100;

/** Why the model cannot take one slice at a time (it reads whole series or neighbouring slices), or undefined when it can. */
export function notSliceWise(card: ModelCard): string | undefined {
  if (card.input.series) return `${card.architecture.name} reads whole series`;
  if (card.input.context) return `${card.architecture.name} reads neighbouring slices`;
  return undefined;
}

/**
 * The model input of the stored slice at `path` (C×N×N), read, checked and windowed as ich predict
 * does; a 422 saying it cannot be `what` (read, explained) when the file is not usable.
 */
export async function sliceModelInput(pool: DecodePool, path: string, card: ModelCard, what: string): Promise<Float32Array> {
  const { size, windows } = card.input;
  const decoded = await pool.modelInput({ paths: [path], size, windows });
  const r = decoded.records[0]!;
  if (!r.ok) throw new RequestError(422, `the slice cannot be ${what}: ${r.reason}`);
  return decoded.tensors;
}

/** A map being computed, and how many requests still wait for it. */
interface PendingMap {
  job: Promise<Overlay>;
  waiting: number;
}

const sha = (b: string | Buffer, n: number) => createHash('sha256').update(b).digest('hex').slice(0, n);

/** One label's attribution map for stored slices, cached on disk by model, sample count, slice and label. */
export class SliceAttributions {
  private explainer?: Promise<Explainer>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<string, PendingMap>();
  private readonly dir: string;
  private readonly card: ModelCard;
  readonly samples: number;
  private readonly decoder: DecodePool;
  private readonly ownDecoder: boolean;

  constructor(private readonly model: string, dataDir: string, private readonly opts: AttributionOptions = {}) {
    this.card = readModelCard(model);
    this.ownDecoder = !opts.decoder;
    this.decoder = opts.decoder ?? new DecodePool(1);
    this.samples = opts.samples ?? DEFAULT_OVERLAY_SAMPLES;
    if (!(Number.isInteger(this.samples) && this.samples >= 1)) throw new Error(`overlay samples ${this.samples}: expected an integer ≥ 1`);
    // Keyed by the graph's bytes, so a retrained model in the same folder never shows old maps.
    this.dir = join(dataDir, 'attributions', `${sha(readFileSync(join(model, 'model.onnx')), 16)}-g${this.samples}-empty-head`);
  }

  /** The reason overlays are unavailable for this model, if they are. */
  get unavailable(): string | undefined {
    const why = notSliceWise(this.card);
    return why && `${why}; overlays need a 2-D model`;
  }

  /**
   * The overlay of `label` (index in LABELS order) on the slice stored at `path` (SOPInstanceUID
   * `sop`). Requests for the same map share one computation; `signal` says the requester went away
   * (e.g. the viewer scrolled on), and a map nobody waits for any more is skipped when its turn comes.
   */
  overlay(path: string, sop: string, label: number, signal?: AbortSignal): Promise<Overlay> {
    const why = this.unavailable;
    if (why) return Promise.reject(new RequestError(409, why));
    const file = join(this.dir, `${sha(sop, 24)}-${label}.f32`);
    let entry = this.pending.get(file);
    if (!entry) {
      const e = { waiting: 0 } as PendingMap;
      e.job = this.load(file, () => {
        if (e.waiting === 0) throw new RequestError(499, 'every request for this overlay went away before its turn');
        return this.explain(path, label);
      }).finally(() => this.pending.delete(file));
      this.pending.set(file, (entry = e));
    }
    const e = entry;
    e.waiting++;
    if (signal?.aborted) e.waiting--;
    else signal?.addEventListener('abort', () => e.waiting--, { once: true });
    return e.job;
  }

  /** The map in `file`, or computed by `compute` in turn and stored there. */
  private async load(file: string, compute: () => Promise<Float32Array>): Promise<Overlay> {
    let map: Float32Array;
    if (existsSync(file)) {
      const b = readFileSync(file);
      map = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    } else {
      map = await this.serially(compute);
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.from(map.buffer, map.byteOffset, map.byteLength));
      renameSync(tmp, file);
    }
    return { map, size: this.card.input.size, limit: absPercentile([map], SHAP_LIMIT_PERCENTILE) };
  }

  private serially<T>(f: () => Promise<T>): Promise<T> {
    const next = this.queue.then(f, f);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async explain(path: string, label: number): Promise<Float32Array> {
    const x = await sliceModelInput(this.decoder, path, this.card, 'explained');
    this.explainer ??= openExplainer(this.model, 'gradient', { samples: this.samples, threads: this.opts.threads });
    // As ich explain does: against the slice's empty head, shown inside the skull's inner table.
    const brain = await this.decoder.region(path, this.card.input.size);
    const context = brain ? { reference: emptyHead(x, brain.soft, this.card.input.channels), focus: brain.region } : {};
    const [e] = await (await this.explainer).explain(x, [label], context);
    if (brain) restrictToRegion([e!], brain.region);
    return e!.map;
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.explainer) await (await this.explainer).release();
    if (this.ownDecoder) await this.decoder.close();
  }
}
