import { renameSync, writeFileSync } from 'node:fs';
import { asDicomError } from '../../dicom/errors.js';
import type { HuWindow } from '../../preprocess/window.js';
import { fileTensor } from '../../preprocess/file-tensor.js';

export interface TensorTask {
  files: { id: number; path: string }[];
  size: number;
  windows: HuWindow[];
  /** Shard number (recorded in the index) and the file it is written to. */
  shard: number;
  shardPath: string;
}

export interface TensorResult {
  id: number;
  /** Record index inside the shard, or -1 when the file was rejected. */
  slot: number;
  reasonCode?: string;
  reason?: string;
}

/** Piscina task: decode a batch of slices and write their uint8 tensors as one shard file. */
export default async function writeTensorShard(task: TensorTask): Promise<TensorResult[]> {
  const plane = task.size * task.size;
  const record = task.windows.length * plane;
  const shard = new Uint8Array(record * task.files.length);
  const tensor = new Float32Array(record);
  const spec = { size: task.size, windows: task.windows };
  const results: TensorResult[] = [];
  let slot = 0;
  for (const f of task.files) {
    try {
      await fileTensor(f.path, spec, tensor);
      const base = slot * record;
      for (let i = 0; i < record; i++) shard[base + i] = (tensor[i]! * 255 + 0.5) | 0; // Math.round for v ≥ 0
      results.push({ id: f.id, slot: slot++ });
    } catch (err) {
      const e = asDicomError(err, 'decode-failed');
      results.push({ id: f.id, slot: -1, reasonCode: e.code, reason: e.message });
    }
  }
  const tmp = `${task.shardPath}.tmp`;
  writeFileSync(tmp, shard.subarray(0, slot * record));
  renameSync(tmp, task.shardPath);
  return results;
}
