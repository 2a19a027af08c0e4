// Storing uploaded (or retrieved) DICOM instances: each part is checked in a decoding thread as
// `ich index` and `ich predict` check a file (pixels decoded), and only when every check has run is
// anything written: first to DATA/staging/, then moved under DATA/instances/ with its database rows
// in one step (ServeStore.commit). Names come from hashes of the UIDs — never from anything the
// client named, so no upload can land outside the data folder.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PredictResult } from '../predict/predictor.js';
import type { DecodePool } from './decode-pool.js';

export interface StoredInstance {
  sop: string;
  sopClassUID: string;
  study: string;
  series: string;
  path: string;
}

export interface RefusedInstance {
  /** 1-based part number in the request. */
  part: number;
  code: string;
  reason: string;
}

/** A part that passed every check, not yet written. */
export interface AcceptedInstance extends Omit<StoredInstance, 'path'> {
  part: number;
  bytes: Uint8Array;
}

/** Instances written to a staging folder, each with the place it moves to. */
export interface StagedUpload {
  dir: string;
  moves: { from: string; instance: StoredInstance }[];
}

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/** Where an instance lives in the data folder: DATA/instances/<study hash>/<SOP hash>.dcm. */
export function instanceFile(dataDir: string, study: string, sop: string): string {
  return join(dataDir, 'instances', hash(study, 16), `${hash(sop, 24)}.dcm`);
}

function storedAt(dataDir: string, a: AcceptedInstance): StoredInstance {
  return { sop: a.sop, sopClassUID: a.sopClassUID, study: a.study, series: a.series, path: instanceFile(dataDir, a.study, a.sop) };
}

/** Checks every part (in the pool's threads); nothing is written. */
export async function checkParts(pool: DecodePool, parts: readonly { body: Uint8Array }[]): Promise<{ accepted: AcceptedInstance[]; refused: RefusedInstance[] }> {
  const checked = await Promise.all(parts.map((p) => pool.check(p.body)));
  const accepted: AcceptedInstance[] = [];
  const refused: RefusedInstance[] = [];
  checked.forEach((c, i) => {
    if (c.ok) accepted.push({ part: i + 1, bytes: parts[i]!.body, sop: c.sop, sopClassUID: c.sopClassUID, study: c.study, series: c.series });
    else refused.push({ part: i + 1, code: c.code, reason: c.reason });
  });
  return { accepted, refused };
}

/** Writes accepted instances to a fresh folder under DATA/staging/ (ServeStore.commit moves them into place). */
export async function stageInstances(dataDir: string, accepted: readonly AcceptedInstance[]): Promise<StagedUpload> {
  const dir = join(dataDir, 'staging', randomUUID());
  await mkdir(dir, { recursive: true });
  const moves = await Promise.all(accepted.map(async (a, k) => {
    const from = join(dir, `${k}.dcm`);
    await writeFile(from, a.bytes);
    return { from, instance: storedAt(dataDir, a) };
  }));
  return { dir, moves };
}

/** Writes accepted instances straight into place, each atomically (for `ich pacs pull`, which keeps no database). */
export function writeInstances(dataDir: string, accepted: readonly AcceptedInstance[]): StoredInstance[] {
  return accepted.map((a) => {
    const stored = storedAt(dataDir, a);
    mkdirSync(dirname(stored.path), { recursive: true });
    const tmp = `${stored.path}.${process.pid}.tmp`;
    writeFileSync(tmp, a.bytes);
    renameSync(tmp, stored.path);
    return stored;
  });
}

/** What the service and `ich pacs pull` keep of a study's analysis: the model, the study-level and per-slice results, and the files it could not use (reasons only). */
export function studyResult(r: Pick<PredictResult, 'card' | 'studies' | 'studyAggregation' | 'slices' | 'rejected' | 'seconds'> & Partial<Pick<PredictResult, 'leftOut' | 'notAnalysed'>>) {
  return {
    model: { name: r.card.architecture.name, created: r.card.created },
    study: r.studies[0] ?? null,
    studyAggregation: r.studyAggregation,
    slices: r.slices.map((s) => ({ sop: s.sop, series: s.series, position: s.position, probs: Array.from(s.probs), ...(s.ood ? { ood: s.ood } : {}) })),
    leftOut: (r.leftOut ?? []).map((s) => ({ sop: s.sop, series: s.series, codes: s.failures.map((f) => f.code), reason: s.failures.map((f) => f.message).join('; ') })),
    notAnalysed: r.notAnalysed?.[0] ?? null,
    rejected: r.rejected.map((f) => ({ code: f.code, reason: f.reason })),
    seconds: r.seconds,
  };
}
