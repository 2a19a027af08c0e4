// ich serve against hostile input (issue 17): files built to exhaust memory or stall the event loop,
// values no scanner writes, script in UIDs, and a process killed in the middle of storing an upload.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { synthesize } from '../../src/data/phantom/synth.js';
import { readDicomHeader } from '../../src/dicom/read.js';
import { encodeCtSlice } from '../../src/dicom/write.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { buildServer } from '../../src/serve/server.js';
import { REJECT_CODES } from '../../src/dicom/errors.js';
import { fuzzBases, mutate } from '../helpers/fuzz.js';
import { headSlice, hostileFiles, withUs } from '../helpers/hostile.js';
import { runCli } from '../helpers/hu.js';
import { TempDir } from '../helpers/paths.js';
import { runCliMeasured, startServe } from '../helpers/serve-process.js';

let tmp: TempDir;
let model: string;
let hostile: Awaited<ReturnType<typeof hostileFiles>>;
/** Study UID → its files. */
const studies = new Map<string, string[]>();

before(async () => {
  tmp = new TempDir('ichdetect-serve-hostile-');
  const data = tmp.file('data');
  await synthesize({ out: data, studies: 8, seed: 5, size: 64, positiveShare: 0.14, corrupt: 0 });
  model = tmp.file('model');
  const r = runCli(['train', '--data', data, '--out', model, '--epochs', '1', '--size', '32', '--batch', '16', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  for (const name of readdirSync(join(data, 'images'))) {
    const path = join(data, 'images', name);
    const uid = readDicomHeader(path).header.studyInstanceUID;
    studies.set(uid, [...(studies.get(uid) ?? []), path]);
  }
  hostile = await hostileFiles(tmp, '1.2.826.0.1.3680043.10.1017.5');
});
after(() => tmp.remove());

const BOUNDARY = 'hostile-boundary';
const STOW_TYPE = `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`;

function stowBody(parts: Uint8Array[]): Buffer {
  const chunks: Uint8Array[] = [];
  for (const p of parts) chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

async function post(url: string, parts: Uint8Array[]): Promise<{ status: number; body: { refused?: { part: number; code: string; reason: string }[]; stored?: unknown[] } }> {
  const r = await fetch(`${url}/dicom-web/studies`, { method: 'POST', headers: { 'content-type': STOW_TYPE }, body: stowBody(parts) });
  return { status: r.status, body: (await r.json()) as never };
}

const PAYLOAD = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

test('the XSS UID is refused at the door; the viewer shows such strings in every field literally and runs nothing, under its CSP', async () => {
  const serve = await buildServer({ model, data: tmp.file('serve-xss'), threads: 1 });
  const address = await serve.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const xss = hostile.find((f) => f.name === 'xss-uid')!;
    const r = await post(address, [xss.bytes]);
    assert.equal(r.status, 409);
    assert.equal(r.body.refused![0]!.code, 'invalid-uid');
    const page = await browser.newPage();
    // The service never stores such a UID; a compromised or older API might send one: feed it in every field the pages show.
    const probs = [0.9, 0.1, 0.2, 0.3, 0.4, 0.5];
    const perLabel = Object.fromEntries(['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'].map((l, j) => [l, probs[j]]));
    await page.route('**/api/studies', (route) => route.fulfill({ json: { studies: [{ studyInstanceUID: PAYLOAD, status: PAYLOAD, instances: 1, any: 0.9, perLabel, calibrated: false, keySlice: PAYLOAD, updatedAt: PAYLOAD, error: PAYLOAD }] } }));
    await page.route('**/api/studies/%22*', (route) => route.fulfill({ json: { uid: PAYLOAD, status: 'done', instances: 1, updatedAt: PAYLOAD, result: { model: { name: PAYLOAD }, study: { topSlice: { sop: PAYLOAD } }, slices: [{ sop: PAYLOAD, series: PAYLOAD, position: 0, probs }] } } }));
    await page.route('**/api/model', (route) => route.fulfill({ json: { name: PAYLOAD, labels: [], input: {}, overlays: { available: false, reason: PAYLOAD }, browser: { available: false, reason: PAYLOAD } } }));
    const response = await page.goto(address);
    assert.match(response!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    assert.doesNotMatch(response!.headers()['content-security-policy'] ?? '', /unsafe-inline/);
    await page.waitForSelector('tr.study');
    const cells = await page.locator('tr.study td').allTextContents();
    assert.ok(cells.includes(PAYLOAD), `the status cell shows the string literally: ${cells.join(' | ')}`);
    assert.equal(await page.locator('tr.study td').nth(1).getAttribute('title'), PAYLOAD);
    await page.locator('tr.study').first().click();
    await page.waitForSelector('#view:not([hidden])');
    assert.equal(await page.locator('#title').textContent(), `study ${PAYLOAD}`);
    assert.match((await page.locator('#overlay-note').textContent())!, /window\.__pwned/);
    assert.match((await page.locator('#side').textContent())!, /window\.__pwned/);
    await page.waitForTimeout(300);
    assert.equal(await page.locator('img[src=x], script:not([src])').count(), 0, 'no element was made from the payload');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined, 'the payload ran');
  } finally {
    await browser.close();
    await serve.close();
  }
});

test('the inflate bomb, the 16384² and 1 × 65535 RLE files and every other hostile file are refused with their codes, /health answering within 200 ms and the service under 600 MB throughout', async (t) => {
  const serve = await startServe(['--model', model, '--data', tmp.file('serve-bombs')]);
  try {
    let slowest = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        const r = await fetch(`${serve.url}/health`);
        assert.equal(r.status, 200);
        await r.body?.cancel();
        slowest = Math.max(slowest, performance.now() - t0);
        serve.peakRssMb();
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    // One request per file, all at once, then all files in one request.
    const alone = await Promise.all(hostile.map((f) => post(serve.url, [f.bytes])));
    const together = await post(serve.url, hostile.map((f) => f.bytes));
    polling = false;
    await poller;
    alone.forEach((r, k) => {
      assert.equal(r.status, 409, hostile[k]!.name);
      assert.equal(r.body.refused![0]!.code, hostile[k]!.code, `${hostile[k]!.name}: ${r.body.refused![0]!.reason}`);
    });
    assert.equal(together.status, 409);
    assert.deepEqual(together.body.refused!.map((x) => x.code), hostile.map((f) => f.code));
    t.diagnostic(`/health slowest ${slowest.toFixed(0)} ms; ich serve peak RSS ${serve.peakRssMb().toFixed(0)} MB`);
    assert.ok(slowest < 200, `/health took ${slowest.toFixed(0)} ms at worst`);
    assert.ok(serve.peakRssMb() < 600, `ich serve peaked at ${serve.peakRssMb().toFixed(0)} MB`);
    assert.deepEqual(await (await fetch(`${serve.url}/api/studies`)).json(), { studies: [] });
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  // The CLI reads the same files under 600 MB too, refusing those the header shows.
  const dir = tmp.file('bombs');
  mkdirSync(dir);
  for (const f of hostile) writeFileSync(join(dir, `${f.name}.dcm`), f.bytes);
  const index = await runCliMeasured(['index', dir, '--json']);
  assert.equal(index.code, 0, index.stderr);
  // The index reads headers only: what shows in the pixels (decode-failed, implausible-hu) is refused when they are decoded.
  const pixelCodes = ['decode-failed', 'implausible-hu'];
  assert.deepEqual([JSON.parse(index.stdout).ok, JSON.parse(index.stdout).rejected], [hostile.filter((f) => pixelCodes.includes(f.code)).length, hostile.filter((f) => !pixelCodes.includes(f.code)).length]);
  assert.ok(index.peakRssMb < 600, `ich index peaked at ${index.peakRssMb.toFixed(0)} MB`);
  const inspect = await runCliMeasured(['inspect', join(dir, 'inflate-bomb.dcm')]);
  assert.equal(inspect.code, 1);
  assert.match(inspect.stderr, /too-large: the Deflated data set inflates to more than 128 MiB/);
  assert.ok(inspect.peakRssMb < 600, `ich inspect peaked at ${inspect.peakRssMb.toFixed(0)} MB`);
  t.diagnostic(`ich index peak RSS ${index.peakRssMb.toFixed(0)} MB; ich inspect (inflate bomb) ${inspect.peakRssMb.toFixed(0)} MB`);
});

test('slope-1e30 and PixelRepresentation-5 slices added to a study cannot change its probabilities, in ich predict or the service', async () => {
  const [uid, files] = [...studies.entries()][0]!;
  const h = readDicomHeader(files[0]!).header;
  const dir = tmp.file('tainted');
  mkdirSync(dir);
  const root = '1.2.826.0.1.3680043.10.1017.8';
  const joined = (k: number, o: Parameters<typeof headSlice>[1]) => encodeCtSlice(headSlice(`${root}.${k}`, { studyInstanceUID: uid, seriesInstanceUID: h.seriesInstanceUID, ...o }));
  const tainted = [
    { name: 'slope', bytes: joined(1, { rescaleSlope: 1e30 }), code: 'implausible-rescale' },
    { name: 'pr5', bytes: withUs(Buffer.from(joined(2, {})), 0x0028, 0x0103, 5), code: 'invalid-header' },
  ];
  for (const t of tainted) writeFileSync(join(dir, `${t.name}.dcm`), t.bytes);
  const clean = await predictFiles(model, files, { threads: 0 });
  const mixed = await predictFiles(model, [...files, ...tainted.map((t) => join(dir, `${t.name}.dcm`))], { threads: 0 });
  assert.deepEqual(mixed.rejected.map((r) => r.code).sort(), tainted.map((t) => t.code).sort());
  assert.deepEqual(mixed.studies[0]!.perLabel, clean.studies[0]!.perLabel);
  assert.equal(mixed.studies[0]!.topSlice.sop, clean.studies[0]!.topSlice.sop);

  const serve = await buildServer({ model, data: tmp.file('serve-tainted'), threads: 1 });
  try {
    const address = await serve.app.listen({ host: '127.0.0.1', port: 0 });
    const r = await post(address, [...files.map((f) => readFileSync(f)), ...tainted.map((t) => t.bytes)]);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body.refused!.map((x) => x.code), tainted.map((t) => t.code));
    await serve.queue.idle();
    const detail = (await (await fetch(`${address}/api/studies/${uid}`)).json()) as { result: { study: { perLabel: unknown } } };
    assert.deepEqual(detail.result.study.perLabel, clean.studies[0]!.perLabel);
  } finally {
    await serve.close();
  }
});

test('kill -9 while an upload is being stored, then a restart: accepted studies whole and listed, no file without its row, and the re-sent upload stored', async (t) => {
  const data = tmp.file('serve-killed');
  const [[first, firstFiles], [second, secondFiles]] = [...studies.entries()];
  // A large upload into the second study: 40 slices for each of its own.
  const big: Uint8Array[] = [];
  for (let k = 0; k < 40 * secondFiles!.length; k++) big.push(encodeCtSlice(headSlice(`1.2.826.0.1.3680043.10.1017.7.${k}`, { studyInstanceUID: second!, seriesInstanceUID: '1.2.826.0.1.3680043.10.1017.7' })));
  let serve = await startServe(['--model', model, '--data', data]);
  assert.equal((await post(serve.url, firstFiles!.map((f) => readFileSync(f)))).status, 200);
  const upload = post(serve.url, big).catch((e: Error) => e);
  const staging = join(data, 'staging');
  const deadline = Date.now() + 60_000;
  while (!(existsSync(staging) && (readdirSync(staging, { recursive: true }) as string[]).some((f) => f.endsWith('.dcm')))) {
    assert.ok(Date.now() < deadline, 'the upload never reached its staging folder');
    await new Promise((r) => setImmediate(r));
  }
  serve.child.kill('SIGKILL');
  assert.equal(await serve.exited, 'SIGKILL');
  assert.ok((await upload) instanceof Error, 'the killed request got no answer');

  serve = await startServe(['--model', model, '--data', data]);
  try {
    assert.match(serve.stderr(), /staged file\(s\) of uncommitted uploads/);
    t.diagnostic(`upload of ${big.length} instances killed in staging; on restart: ${serve.stderr().trim()}`);
    const list = ((await (await fetch(`${serve.url}/api/studies`)).json()) as { studies: { studyInstanceUID: string; instances: number }[] }).studies;
    assert.deepEqual(list.map((s) => [s.studyInstanceUID, s.instances]), [[first, firstFiles!.length]]);
    const onDisk = (readdirSync(join(data, 'instances'), { recursive: true }) as string[]).filter((f) => f.endsWith('.dcm'));
    assert.equal(onDisk.length, firstFiles!.length, 'no file without its row');
    assert.ok(!existsSync(staging));
    const again = await post(serve.url, big);
    assert.equal(again.status, 200);
    const after = ((await (await fetch(`${serve.url}/api/studies`)).json()) as { studies: { studyInstanceUID: string; instances: number }[] }).studies;
    assert.deepEqual(after.map((s) => [s.studyInstanceUID, s.instances]).sort(), [[first, firstFiles!.length], [second, big.length]].sort());
  } finally {
    serve.child.kill('SIGTERM');
    const t0 = Date.now();
    await serve.exited;
    assert.ok(Date.now() - t0 < 10_000, 'SIGTERM ends ich serve within 10 s');
  }
});

test('a study over --max-study-instances is refused with 413 before anything is written', async () => {
  const data = tmp.file('serve-413');
  const serve = await buildServer({ model, data, threads: 1, maxStudyInstances: 5 });
  try {
    const files = [...studies.values()].find((f) => f.length > 5)!;
    const r = await serve.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': STOW_TYPE }, payload: stowBody(files.map((f) => readFileSync(f))) });
    assert.equal(r.statusCode, 413);
  } finally {
    await serve.close();
  }
  const written = ['instances', 'staging'].flatMap((d) => (existsSync(join(data, d)) ? (readdirSync(join(data, d), { recursive: true }) as string[]) : []));
  assert.deepEqual(written.filter((f) => f.endsWith('.dcm')), []);
});

test('the fuzz files through the service: every part stored or refused with a known code, /health up, every stored study analysed', async () => {
  const bases = await fuzzBases(tmp);
  const files = [...bases, ...mutate(bases, 40, 7)];
  assert.ok(files.length >= 300);
  const serve = await buildServer({ model, data: tmp.file('serve-fuzz'), threads: 1 });
  try {
    const address = await serve.app.listen({ host: '127.0.0.1', port: 0 });
    let stored = 0;
    const codes = new Map<string, number>();
    for (let k = 0; k < files.length; k += 60) {
      const batch = files.slice(k, k + 60);
      const r = await post(address, batch.map((f) => f.bytes));
      assert.ok([200, 202, 409].includes(r.status), `${r.status} ${JSON.stringify(r.body)}`);
      const refused = r.body.refused ?? [];
      for (const x of refused) {
        assert.ok(x.code in REJECT_CODES, `${batch[x.part - 1]!.name}: ${x.code}: ${x.reason}`);
        codes.set(x.code, (codes.get(x.code) ?? 0) + 1);
      }
      assert.equal((r.body.stored?.length ?? 0) + refused.length, batch.length, 'every part accounted for');
      stored += r.body.stored?.length ?? 0;
      assert.equal((await fetch(`${address}/health`)).status, 200);
    }
    await serve.queue.idle();
    const list = ((await (await fetch(`${address}/api/studies`)).json()) as { studies: { status: string; instances: number }[] }).studies;
    assert.equal(list.reduce((n, s) => n + s.instances, 0), stored);
    assert.ok(list.every((s) => s.status === 'done'), JSON.stringify(list.map((s) => s.status)));
    assert.ok(stored >= bases.length, `${stored} stored`);
  } finally {
    await serve.close();
  }
});
