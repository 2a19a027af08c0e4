// Storing uploaded (or retrieved) DICOM instances, and what is kept of their analysis: each part is parsed and checked as `ich index` checks a file, then
// written under DATA/instances/ by a name made from hashes of its UIDs — never from anything the
// client named, so no upload can land outside the data folder.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asDicomError } from '../dicom/errors.js';
import { checkSliceHeader } from '../dicom/load.js';
import { checkUids } from '../dicom/plausibility.js';
import { parseDicomFile } from '../dicom/read.js';
import type { PredictResult } from '../models/predict.js';

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

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/** Checks one uploaded part and writes it (atomically) to DATA/instances/<study hash>/<SOP hash>.dcm. */
export function storeInstance(dataDir: string, bytes: Buffer, part: number): StoredInstance | RefusedInstance {
  try {
    const { header: h } = parseDicomFile(`part ${part}`, bytes);
    checkSliceHeader(h, { requireCt: true });
    checkUids(h);
    const dir = join(dataDir, 'instances', hash(h.studyInstanceUID, 16));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${hash(h.sopInstanceUID, 24)}.dcm`);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
    return { sop: h.sopInstanceUID, sopClassUID: h.sopClassUID, study: h.studyInstanceUID, series: h.seriesInstanceUID ?? '', path };
  } catch (err) {
    const e = asDicomError(err);
    return { part, code: e.code, reason: e.message };
  }
}

/** Stores every part of a request (or a WADO-RS response): those stored, and those refused with their reasons. */
export function storeParts(dataDir: string, parts: readonly { body: Buffer }[]): { stored: StoredInstance[]; refused: RefusedInstance[] } {
  const stored: StoredInstance[] = [];
  const refused: RefusedInstance[] = [];
  parts.forEach((p, i) => {
    const r = storeInstance(dataDir, p.body, i + 1);
    if ('path' in r) stored.push(r);
    else refused.push(r);
  });
  return { stored, refused };
}

/** What the service and `ich pacs pull` keep of a study's analysis: the model, the study-level and per-slice results, and the files it could not use (reasons only). */
export function studyResult(r: Pick<PredictResult, 'card' | 'studies' | 'studyAggregation' | 'slices' | 'rejected' | 'seconds'>) {
  return {
    model: { name: r.card.architecture.name, created: r.card.created },
    study: r.studies[0] ?? null,
    studyAggregation: r.studyAggregation,
    slices: r.slices.map((s) => ({ sop: s.sop, series: s.series, position: s.position, probs: Array.from(s.probs) })),
    rejected: r.rejected.map((f) => ({ code: f.code, reason: f.reason })),
    seconds: r.seconds,
  };
}
