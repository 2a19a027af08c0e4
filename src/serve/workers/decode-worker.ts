// The service's decoding thread: every file the service did not make (an upload, a stored slice to
// show or to feed a model) is parsed, checked and decoded here, under the pool's memory limit, so no
// file can stall the event loop or take the process's memory with it.
import decodeForPrediction, { type PredictTask, type PredictTaskResult } from '../../predict/decode-worker.js';
import { decodeFrame } from '../../dicom/codecs/index.js';
import { asDicomError } from '../../dicom/errors.js';
import { huFromStored } from '../../dicom/hu.js';
import { checkUsableSlice } from '../../data/header-record.js';
import { parseDicomFile } from '../../dicom/read.js';
import { type BrainRegion, fileBrainRegion } from '../../preprocess/intracranial.js';
import { type Overlay, pngOf, windowedSlice } from '../render.js';

export type DecodeTask =
  | { kind: 'check'; bytes: Uint8Array }
  | { kind: 'png'; path: string; window: string; overlay?: Overlay }
  | ({ kind: 'input' } & PredictTask)
  | { kind: 'region'; path: string; size: number };

/** What an upload's check found: its identifiers, or why it is refused. */
export type CheckedInstance = { ok: true; sop: string; sopClassUID: string; study: string; series: string } | { ok: false; code: string; reason: string };

export type PngResult = { ok: true; png: Uint8Array } | { ok: false; code: string; reason: string };

/** HU of the file being checked: one buffer per thread, grown as needed. */
let scratch = new Float32Array(0);

/** Every check `ich index` and `ich predict` make of a file, pixels included: the header, the UIDs, the decoded frame and its HU. */
async function checkInstance(bytes: Uint8Array): Promise<CheckedInstance> {
  try {
    const file = parseDicomFile('upload', Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const h = file.header;
    checkUsableSlice(file);
    if (scratch.length < h.rows * h.columns) scratch = new Float32Array(h.rows * h.columns);
    huFromStored(await decodeFrame(file, 0), h, scratch);
    return { ok: true, sop: h.sopInstanceUID, sopClassUID: h.sopClassUID, study: h.studyInstanceUID, series: h.seriesInstanceUID };
  } catch (err) {
    return refused(err);
  }
}

function refused(err: unknown): { ok: false; code: string; reason: string } {
  const e = asDicomError(err, 'decode-failed');
  return { ok: false, code: e.code, reason: e.message };
}

async function renderPng(task: Extract<DecodeTask, { kind: 'png' }>): Promise<PngResult> {
  try {
    return { ok: true, png: pngOf(await windowedSlice(task.path, task.window, task.overlay)) };
  } catch (err) {
    return refused(err);
  }
}

/** The brain region of a stored slice at the model's input side (undefined: none found, or the file cannot be read). */
async function region(path: string, size: number): Promise<BrainRegion | undefined> {
  return fileBrainRegion(path, size).catch(() => undefined);
}

export default function decode(task: DecodeTask): Promise<CheckedInstance | PngResult | PredictTaskResult | BrainRegion | undefined> {
  switch (task.kind) {
    case 'check':
      return checkInstance(task.bytes);
    case 'png':
      return renderPng(task);
    case 'input':
      return decodeForPrediction(task);
    case 'region':
      return region(task.path, task.size);
  }
}
