// Prediction for models that read series: 2.5-D models (each slice with its neighbours) and sequence
// models (the batch is one whole series). Headers come first, so every series is assembled and
// ordered along its normal before any pixel is decoded; then each series decodes as one task.
import type { HeaderRecord } from '../data/header-record.js';
import { readHeaderRecords } from '../data/index-dir.js';
import { type SeriesProblem, seriesOf } from '../data/series.js';
import { type ConformanceRanges, checkConformance } from '../dicom/conformance.js';
import type { ort } from '../engine/session.js';
import { contextChannels, stackContext } from '../preprocess/context.js';
import type { ModelCard } from '../models/folder.js';
import { type Decoder, decodeInOrder } from './decode-ahead.js';
import { leftOutRecord, type PredictTask } from './decode-worker.js';
import { isFirstOfSop, type ModelOutputs, type RejectedFile, runModel, type SliceOutcome, sliceOutcomes } from './outcomes.js';

/** A series as prediction assembled it. */
export interface SeriesSummary {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  slices: number;
  spacingMm?: number;
  problems: SeriesProblem[];
}

/** Whether a model reads neighbouring slices or whole series (so its inputs are assembled by series). */
export function seriesAware(card: ModelCard): boolean {
  return !!card.input.series || !!card.input.context?.slices;
}

/**
 * Predicts `files` series by series with an open session of a series-aware model: files whose header
 * is unusable, and later files repeating a SOPInstanceUID, are rejected up front; each series is
 * left out when it fails input conformance (with `conformance`), ordered along its normal (seriesOf) and decoded as one task; 2.5-D inputs stack each slice with its
 * neighbours; a sequence model takes the whole series as one batch, a 2-D model batches of `batch`.
 * Outcomes come back in the order of `files`.
 */
export async function predictBySeries(
  session: ort.InferenceSession,
  card: ModelCard,
  files: readonly string[],
  opts: { decoder: Decoder; batch: number; conformance?: { ranges?: ConformanceRanges }; onProgress?: (done: number, total: number) => void },
): Promise<{ outcomes: SliceOutcome[]; series: SeriesSummary[] }> {
  const { size, windows, context } = card.input;
  const plane = size * size;
  const perSlice = windows.length * plane;
  const channels = contextChannels(windows.length, context);
  if (channels !== card.input.channels) throw new Error(`the model card says ${card.input.channels} input channels, its windows and context make ${channels}`);
  const byPath = new Map<string, SliceOutcome>();
  const firstPath = new Map<string, string>();
  const usable: HeaderRecord[] = [];
  const duplicates: RejectedFile[] = [];
  for (const h of await readHeaderRecords(files, opts.decoder.threads)) {
    if (h.status !== 'ok') byPath.set(h.path, { path: h.path, code: h.reasonCode ?? 'invalid-header', reason: h.reason ?? 'unusable header' });
    else if (isFirstOfSop(firstPath, { path: h.path, sop: h.sopInstanceUID! }, duplicates)) {
      const failures = opts.conformance && h.conformance ? checkConformance(h.conformance, opts.conformance.ranges) : [];
      if (failures.length > 0) byPath.set(h.path, sliceOutcomes([leftOutRecord(h, failures)], undefined)[0]!);
      else usable.push(h);
    }
  }
  for (const d of duplicates) byPath.set(d.path, d);
  const assembled = seriesOf(usable);
  const tasks: PredictTask[] = assembled.map((s) => ({ paths: s.slices.map((r) => r.path), size, windows }));
  let done = byPath.size;
  opts.onProgress?.(done, files.length);
  await decodeInOrder(tasks, opts.decoder, async (result) => {
    const t = result.records.filter((r) => r.ok).length;
    let out: ModelOutputs | undefined;
    if (t > 0) {
      let x = result.tensors;
      if (context?.slices) {
        x = new Float32Array(t * channels * plane);
        for (let i = 0; i < t; i++) stackContext((j) => result.tensors.subarray(j * perSlice, (j + 1) * perSlice), i, t, windows.length, plane, context, x, i * channels * plane);
      }
      const rows = card.input.series ? t : opts.batch;
      out = { probs: new Float32Array(t * 6) };
      for (let at = 0; at < t; at += rows) {
        const n = Math.min(rows, t - at);
        const batch = await runModel(session, x.subarray(at * channels * plane, (at + n) * channels * plane), [n, channels, size, size]);
        out.probs.set(batch.probs, at * 6);
        if (batch.ood) (out.ood ??= new Float32Array(t)).set(batch.ood, at);
      }
    }
    for (const o of sliceOutcomes(result.records, out, card.ood?.threshold)) byPath.set(o.path, o);
    done += result.records.length;
    opts.onProgress?.(done, files.length);
  });
  const series = assembled.map((s) => ({ studyInstanceUID: s.studyInstanceUID, seriesInstanceUID: s.seriesInstanceUID, slices: s.sliceCount, spacingMm: s.spacingMm, problems: s.problems }));
  return { outcomes: files.map((f) => byPath.get(f)!), series };
}
