// A throwaway Redis on loopback (Debian's redis-server): no persistence, its files in `dir`. For tests,
// benchmarks and one-machine trials of the queue.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export interface LocalRedis {
  url: string;
  port: number;
  server: ChildProcess;
  stop(): void;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Starts redis-server on a free loopback port and waits until it answers PING. */
export async function startLocalRedis(dir: string, binary = '/usr/bin/redis-server'): Promise<LocalRedis> {
  const port = await freePort();
  const server = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const stop = () => void server.kill('SIGKILL');
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') return { url: `redis://127.0.0.1:${port}`, port, server, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`${binary} did not answer on port ${port} (Debian package redis-server)`);
}
