import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI } from './paths.js';

/** Largest |a[i] - b[i]|; the arrays must have the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) max = d; // NaN counts as a difference
  }
  return max;
}

/** Asserts two HU images agree within `tolerance` (0: exactly), naming the first pixel that does not. */
export function assertHuClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} pixels, ${expected.length} expected`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= tolerance)) {
      assert.fail(`${label}: pixel ${i} is ${actual[i]} HU, expected ${expected[i]} (tolerance ${tolerance}; max abs diff ${maxAbsDiff(actual, expected)})`);
    }
  }
}

/** Reads a raw little-endian float32 file (what `ich inspect --hu` writes). */
export function readF32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `ich` CLI in a child node process. */
export function runCli(args: string[]): CliRun {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Part of the JSON summary `ich inspect --json` prints. */
export interface InspectSummary {
  quirks: { name: string; detail: string }[];
  transferSyntax: { uid: string; name: string };
  modality: string;
}

/** `ich inspect FILE --json --hu OUT` in a child process (runs in parallel with others): its summary and HU image. */
export function inspectHu(file: string, huOut: string): Promise<{ summary: InspectSummary; hu: Float32Array }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'inspect', file, '--json', '--hu', huOut], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ich inspect ${file} failed: ${err.message} ${stderr}`));
      else resolve({ summary: JSON.parse(stdout) as InspectSummary, hu: readF32(huOut) });
    });
  });
}
