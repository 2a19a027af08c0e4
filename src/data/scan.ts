import { opendir } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** Extensions of files that are DICOM candidates; files without an extension are candidates too. */
const DICOM_EXTENSIONS = new Set(['.dcm', '.dicom', '.dic', '.ima']);

export interface ScanResult {
  candidates: string[];
  /** Files passed over because their extension says they are not DICOM (e.g. labels.csv). */
  skipped: string[];
}

function isCandidate(name: string): boolean {
  const ext = extname(name).toLowerCase();
  return ext === '' || DICOM_EXTENSIONS.has(ext) || /^\.\d+$/.test(ext);
}

/** Walks `dir` recursively (hidden folders excluded), streaming directory entries. */
export async function scanForDicom(dir: string): Promise<ScanResult> {
  const result: ScanResult = { candidates: [], skipped: [] };
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop()!;
    for await (const entry of await opendir(current)) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) stack.push(path);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        (isCandidate(entry.name) && !entry.name.startsWith('.') ? result.candidates : result.skipped).push(path);
      }
    }
  }
  result.candidates.sort();
  return result;
}
