import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';

/** Runs one dcmtk tool; throws with its message (and the package to install) when it is missing or fails. */
export function dcmtk(tool: string, args: string[]): void {
  const run = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw new Error(`cannot run ${tool} (${run.error.message}): install the Debian package dcmtk`);
  if (run.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (exit ${run.status}): ${run.stderr.trim()}`);
}

/** Copies `src` to `dest` and applies `dcmodify` arguments (e.g. ['-m', '(0028,0101)=12']) to the copy. */
export function modifiedCopy(src: string, dest: string, dcmodifyArgs: string[]): string {
  copyFileSync(src, dest);
  dcmtk('dcmodify', ['-nb', ...dcmodifyArgs, dest]);
  return dest;
}

/** A dcmtk network tool run without blocking the event loop (for an SCP answering in this process): its exit status and stderr. */
export function dcmtkAsync(tool: string, args: string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((done) => execFile(tool, args, { encoding: 'utf8', timeout: 60_000 }, (err, _stdout, stderr) => done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr })));
}

/** storescu's flag proposing a compressed transfer syntax (it proposes uncompressed ones only by default). */
export const PROPOSE: Record<string, string> = { '1.2.840.10008.1.2.5': '--propose-rle', '1.2.840.10008.1.2.4.70': '--propose-lossless', '1.2.840.10008.1.2.4.80': '--propose-jls-lossless' };
