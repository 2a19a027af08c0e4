import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TempDir } from './paths.js';

/** Debian's interpreter: the `python3` on PATH may be another one without pydicom. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const REFERENCE_SCRIPT = join(REPO_ROOT, 'test/helpers/pydicom_reference.py');

/** What pydicom made of one file: the first frame's stored values and `stored * slope + intercept`. */
export interface PydicomReference {
  path: string;
  rows: number;
  columns: number;
  dtype: string;
  transferSyntaxUID: string;
  stored: Float64Array;
  hu: Float32Array;
}

export interface PydicomOptions {
  python?: string;
  /** Extra interpreter flags (a test passes -S to hide dist-packages and prove the failure is loud). */
  pythonArgs?: string[];
}

function readTyped<T>(path: string, make: (buffer: ArrayBuffer) => T): T {
  const bytes = readFileSync(path);
  return make(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * Decodes `files` with Debian pydicom in one Python run. Throws (so the calling test FAILS, never skips)
 * when the interpreter, pydicom, numpy or a decoder is missing, with pydicom's one-line reason.
 */
export function pydicomReference(files: string[], opts: PydicomOptions = {}): PydicomReference[] {
  const python = opts.python ?? SYSTEM_PYTHON;
  const dir = new TempDir('ichdetect-pydicom-');
  try {
    const run = spawnSync(python, [...(opts.pythonArgs ?? []), REFERENCE_SCRIPT, dir.path, ...files], { encoding: 'utf8', timeout: 60_000 });
    if (run.error) {
      throw new Error(`pydicom reference: cannot run ${python} (${run.error.message}); install the Debian packages python3 python3-pydicom python3-gdcm python3-numpy`);
    }
    if (run.status !== 0) {
      throw new Error(`pydicom reference failed (exit ${run.status}): ${run.stderr.trim().split('\n').pop() ?? ''}`);
    }
    const lines = run.stdout.trim().split('\n');
    if (lines.length !== files.length) throw new Error(`pydicom reference: ${lines.length} results for ${files.length} files`);
    return lines.map((line, i) => {
      const meta = JSON.parse(line) as Omit<PydicomReference, 'stored' | 'hu'>;
      return {
        ...meta,
        stored: readTyped(join(dir.path, `${i}.stored.f64`), (b) => new Float64Array(b)),
        hu: readTyped(join(dir.path, `${i}.hu.f32`), (b) => new Float32Array(b)),
      };
    });
  } finally {
    dir.remove();
  }
}
