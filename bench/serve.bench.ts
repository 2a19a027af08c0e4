/**
 * npm run bench:serve [-- options] — the service's load test, on loopback only: `ich serve` (the
 * library app, listening on 127.0.0.1) receives N studies by STOW-RS at once. It reports each
 * upload's latency (p50, p99), the time until every study is analysed, throughput, and the ratio
 * of the served rate to `predictFiles` on the same files in this process (the reference, run side
 * by side first). It checks that no study is lost and every slice's result equals the reference.
 *
 * Without --model/--data it synthesises a phantom set (`ich synth`, 512² slices) and trains a
 * one-epoch baseline on it (`ich train`); the model's quality does not matter here, only its cost.
 * Options: --model DIR --data DIR --studies 20 --threads 2 --out .bench/serve
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { predictFiles } from '../src/predict/predictor.js';
import { stowRequest } from '../src/serve/multipart.js';
import { buildServer } from '../src/serve/server.js';
import { BENCH_ROOT, benchInputs } from './phantom-setup.js';

const { values: o } = parseArgs({
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    studies: { type: 'string', default: '20' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string', default: join(BENCH_ROOT, '.bench/serve') },
  },
});
const out = resolve(o.out);

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;


async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const { data, model } = benchInputs({ model: o.model, data: o.data, studies: o.studies!, seed: '4', out, synth: ['--corrupt', '0'] });
  const threads = Number(o.threads);
  // The reference: predictFiles over the same files, in this process.
  const t0 = performance.now();
  const reference = await predictFiles(model, [join(data, 'images')], { threads });
  const referenceSeconds = (performance.now() - t0) / 1000;
  const byStudy = new Map<string, string[]>();
  for (const s of reference.slices) byStudy.set(s.study, [...(byStudy.get(s.study) ?? []), s.path]);
  const uids = [...byStudy.keys()].sort().slice(0, Number(o.studies));
  const slices = uids.reduce((n, u) => n + byStudy.get(u)!.length, 0);
  const expected = new Map(reference.slices.map((s) => [s.sop, s.probs]));

  const serveDir = join(out, 'serve');
  rmSync(serveDir, { recursive: true, force: true });
  const serve = await buildServer({ model, data: serveDir, threads });
  const address = await serve.app.listen({ host: '127.0.0.1', port: 0 });
  const latencies: number[] = [];
  try {
    const started = performance.now();
    const statuses = await Promise.all(uids.map(async (uid, i) => {
      const { body, contentType } = stowRequest(byStudy.get(uid)!.map((f) => readFileSync(f)), `bench-${i}`);
      const t = performance.now();
      const r = await fetch(`${address}/dicom-web/studies`, { method: 'POST', headers: { 'content-type': contentType }, body });
      await r.arrayBuffer();
      latencies.push((performance.now() - t) / 1000);
      return r.status;
    }));
    if (statuses.some((s) => s !== 200)) throw new Error(`upload statuses ${statuses.join(', ')}`);
    await serve.queue.idle();
    const seconds = (performance.now() - started) / 1000;
    // None lost, every result correct.
    const list = (await (await fetch(`${address}/api/studies`)).json()) as { studies: { studyInstanceUID: string; status: string }[] };
    if (list.studies.length !== uids.length || list.studies.some((s) => s.status !== 'done')) throw new Error(`worklist: ${JSON.stringify(list.studies.map((s) => s.status))}`);
    let worst = 0;
    for (const uid of uids) {
      const d = (await (await fetch(`${address}/api/studies/${uid}`)).json()) as { result: { slices: { sop: string; probs: number[] }[] } };
      if (d.result.slices.length !== byStudy.get(uid)!.length) throw new Error(`study ${uid}: ${d.result.slices.length} of ${byStudy.get(uid)!.length} slices`);
      for (const s of d.result.slices) s.probs.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - expected.get(s.sop)![j]!))));
    }
    if (worst > 1e-5) throw new Error(`served probabilities differ from predictFiles by up to ${worst}`);
    const served = slices / seconds;
    const direct = reference.slices.length / referenceSeconds;
    process.stdout.write(
      `serve: ${uids.length} studies (${slices} slices, 512² phantoms) uploaded at once by STOW-RS to ${address}, model ${model}, ${threads} threads\n` +
        `upload latency p50 ${percentile(latencies, 50).toFixed(2)} s, p99 ${percentile(latencies, 99).toFixed(2)} s; all analysed after ${seconds.toFixed(1)} s\n` +
        `throughput ${(uids.length / seconds).toFixed(2)} studies/s, ${served.toFixed(1)} slices/s; none lost, every result equal to predictFiles (max |Δp| ${worst.toExponential(1)})\n` +
        `reference predictFiles ${direct.toFixed(1)} slices/s; ratio served / direct: ${(served / direct).toFixed(2)}\n`,
    );
  } finally {
    await serve.close();
  }
}

await main();
