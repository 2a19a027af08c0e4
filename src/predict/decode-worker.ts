import { statSync } from 'node:fs';
import { type ConformanceFailure, type ConformanceRanges, checkConformance } from '../dicom/conformance.js';
import { asDicomError } from '../dicom/errors.js';
import { fileTensor } from '../preprocess/file-tensor.js';
import type { HuWindow } from '../preprocess/window.js';
import { type HeaderRecord, headerRecord } from '../data/header-record.js';

export interface PredictTask {
  paths: string[];
  size: number;
  windows: HuWindow[];
  /** Check input conformance (against these training ranges, when given); absent: no check. */
  conformance?: { ranges?: ConformanceRanges };
}

/** A usable slice's identity. */
export interface SliceIds {
  /** SOPInstanceUID: the RSNA `ID_<hex>`. */
  sop: string;
  patient: string;
  study: string;
  series: string;
  /** Position along the slice normal (mm), when the header gives it. */
  position?: number;
}

/** What one file gave: its identifiers (then its tensor is the next record of `tensors`), why it failed, or why it was left out (a usable slice that does not conform). */
export type PredictRecord =
  | ({ path: string; ok: true } & SliceIds)
  | { path: string; ok: false; code: string; reason: string }
  | ({ path: string; ok: false; code: 'not-conforming'; reason: string; failures: ConformanceFailure[] } & SliceIds);

/** A usable header's identity fields. */
export function sliceIds(h: HeaderRecord): SliceIds {
  return { sop: h.sopInstanceUID!, patient: h.patientID ?? '', study: h.studyInstanceUID ?? '', series: h.seriesInstanceUID ?? '', position: h.position };
}

/** The record of a usable slice that fails conformance (`failures` not empty). */
export function leftOutRecord(h: HeaderRecord, failures: ConformanceFailure[]): PredictRecord {
  return { path: h.path, ok: false, code: 'not-conforming', reason: failures.map((f) => f.message).join('; '), failures, ...sliceIds(h) };
}

export interface PredictTaskResult {
  records: PredictRecord[];
  /** One C×N×N record per `ok` file, in order, each value rounded to a multiple of 1/255. */
  tensors: Float32Array;
}

/**
 * Piscina task (also called in-process with threads = 0): read the header of each file (the same
 * checks as `ich index`, then input conformance when the task asks), then decode and window it into its model input. Values are rounded to
 * multiples of 1/255, exactly what the uint8 tensor cache gives training, so a slice predicted from
 * its file gets the same input the model was trained and validated on.
 */
export default async function decodeForPrediction(task: PredictTask): Promise<PredictTaskResult> {
  const record = task.windows.length * task.size * task.size;
  const spec = { size: task.size, windows: task.windows };
  const tensors = new Float32Array(record * task.paths.length);
  const records: PredictRecord[] = [];
  let slot = 0;
  for (const path of task.paths) {
    try {
      const st = statSync(path);
      const h = headerRecord({ path, size: st.size, mtimeMs: st.mtimeMs });
      if (h.status !== 'ok') {
        records.push({ path, ok: false, code: h.reasonCode ?? 'invalid-header', reason: h.reason ?? 'unusable header' });
        continue;
      }
      const failures = task.conformance && h.conformance ? checkConformance(h.conformance, task.conformance.ranges) : [];
      if (failures.length > 0) {
        records.push(leftOutRecord(h, failures));
        continue;
      }
      const out = tensors.subarray(slot * record, (slot + 1) * record);
      await fileTensor(path, spec, out);
      for (let i = 0; i < record; i++) out[i] = ((out[i]! * 255 + 0.5) | 0) / 255;
      slot++;
      records.push({ path, ok: true, ...sliceIds(h) });
    } catch (err) {
      const e = asDicomError(err, 'decode-failed');
      records.push({ path, ok: false, code: e.code, reason: e.message });
    }
  }
  return { records, tensors: tensors.slice(0, slot * record) };
}
