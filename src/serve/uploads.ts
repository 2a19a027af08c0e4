// Storing uploaded DICOM instances: each part is parsed and checked as `ich index` checks a file, then
// written under DATA/instances/ by a name made from hashes of its UIDs — never from anything the
// client named, so no upload can land outside the data folder.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asDicomError } from '../dicom/errors.js';
import { checkSliceHeader } from '../dicom/load.js';
import { parseDicomFile } from '../dicom/read.js';

export interface StoredInstance {
  sop: string;
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
    if (!h.sopInstanceUID || !h.studyInstanceUID) return { part, code: 'invalid-header', reason: 'no SOPInstanceUID or StudyInstanceUID' };
    const dir = join(dataDir, 'instances', hash(h.studyInstanceUID, 16));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${hash(h.sopInstanceUID, 24)}.dcm`);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
    return { sop: h.sopInstanceUID, study: h.studyInstanceUID, series: h.seriesInstanceUID ?? '', path };
  } catch (err) {
    const e = asDicomError(err);
    return { part, code: e.code, reason: e.message };
  }
}
