import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subtype } from './plan.js';
import { SUBTYPES } from './plan.js';

/**
 * Ground-truth masks of a phantom study, one JSON file per study (`masks/<StudyInstanceUID>.json`):
 * `{rows, columns, slices: {<SOPInstanceUID>: {<subtype>: [start, length, start, length, …]}}}`,
 * runs of mask pixels in row-major order. Slices without a bleed are listed with `{}`.
 */
export interface StudyMasks {
  rows: number;
  columns: number;
  slices: Record<string, Partial<Record<Subtype, number[]>>>;
}

/** Run-length encodes a binary mask as [start, length, …]. */
export function maskRuns(mask: Uint8Array): number[] {
  const runs: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const start = i;
    while (i < mask.length && mask[i]) i++;
    runs.push(start, i - start);
  }
  return runs;
}

export function masksFromRuns(runs: number[], length: number): Uint8Array {
  const mask = new Uint8Array(length);
  for (let k = 0; k < runs.length; k += 2) mask.fill(1, runs[k]!, runs[k]! + runs[k + 1]!);
  return mask;
}

export function writeStudyMasks(dir: string, studyInstanceUID: string, masks: StudyMasks): void {
  writeFileSync(join(dir, `${studyInstanceUID}.json`), JSON.stringify(masks));
}

/** One slice's masks, decoded: a mask per subtype (all-zero where the subtype is absent). */
export interface SliceMasks {
  rows: number;
  columns: number;
  masks: Record<Subtype, Uint8Array>;
}

/** Reads every study's masks under `dir` (a phantom set's `masks/` folder) into SOPInstanceUID → masks. */
export function readPhantomMasks(dir: string): Map<string, SliceMasks> {
  const out = new Map<string, SliceMasks>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const study = JSON.parse(readFileSync(join(dir, name), 'utf8')) as StudyMasks;
    const n = study.rows * study.columns;
    for (const [sop, runs] of Object.entries(study.slices)) {
      const masks = Object.fromEntries(SUBTYPES.map((s) => [s, masksFromRuns(runs[s] ?? [], n)])) as Record<Subtype, Uint8Array>;
      out.set(sop, { rows: study.rows, columns: study.columns, masks });
    }
  }
  return out;
}
