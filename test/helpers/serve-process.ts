// `ich serve` (and other long-running CLI commands) as child processes: their address, output, peak memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI } from './paths.js';

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** Peak resident memory so far, MB (VmHWM; worker threads included). */
  peakRssMb(): number;
}

/** Starts `ich ARGS…` without waiting for it. */
export function startCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let peak = 0;
  return {
    child, exited, stdout: () => out, stderr: () => err,
    peakRssMb() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        // the process has ended: the last reading stands
      }
      return peak;
    },
  };
}

/** Runs `ich ARGS…` to the end, sampling its peak memory every 20 ms. */
export async function runCliMeasured(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string; peakRssMb: number }> {
  const p = startCli(args);
  const timer = setInterval(() => p.peakRssMb(), 20);
  const code = await p.exited;
  clearInterval(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr(), peakRssMb: p.peakRssMb() };
}

/** `ich serve --port 0 ARGS…`, resolved once it listens, with its base URL. */
export async function startServe(args: string[]): Promise<CliProcess & { url: string }> {
  const p = startCli(['serve', '--port', '0', ...args]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /ich serve: (http:\/\/\S+)/.exec(p.stdout());
    if (m) return { ...p, url: m[1]! };
    if (p.child.exitCode !== null || Date.now() > deadline) throw new Error(`ich serve did not start: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
