// What the service and queue benches share: the `ich` CLI run as a child, and their default inputs
// (a fresh 512² phantom set and a one-epoch baseline trained on it; only the model's cost matters).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(BENCH_ROOT, 'dist/src/cli/main.js');

export const log = (line: string) => process.stderr.write(`${line}\n`);

/** Runs `ich ARGS…` and throws when it fails. */
export function ich(args: string[]): void {
  log(`$ ich ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`ich ${args[0]} failed (status ${r.status})`);
}

/** The bench's data folder and model: the ones given, or a phantom set of `studies` 512² studies and a one-epoch baseline made in `out`. */
export function benchInputs(o: { model?: string; data?: string; studies: string; seed: string; out: string; synth?: string[] }): { data: string; model: string } {
  const data = o.data ? resolve(o.data) : join(o.out, 'data');
  const model = o.model ? resolve(o.model) : join(o.out, 'model');
  if (!o.data) {
    rmSync(data, { recursive: true, force: true });
    ich(['synth', '--out', data, '--studies', o.studies, '--size', '512', '--seed', o.seed, ...(o.synth ?? [])]);
  }
  if (!o.model) {
    rmSync(model, { recursive: true, force: true });
    ich(['train', '--data', data, '--out', model, '--epochs', '1', '--size', '128', '--seed', '1', '--db', join(o.out, 'index.db')]);
  }
  return { data, model };
}
