import { spawnSync } from 'node:child_process';
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
