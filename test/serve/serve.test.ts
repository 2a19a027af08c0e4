// ich serve: STOW-RS uploads, analysis off the request path, the worklist, persistence, tokens.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadSlice } from '../../src/dicom/load.js';
import { windowImage } from '../../src/preprocess/window.js';
import { decodePng } from '../figures/png.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { buildServer, type Serve } from '../../src/serve/server.js';
import { multipartBoundary, splitMultipart } from '../../src/serve/multipart.js';
import { type Browser, chromium } from 'playwright-core';
import { runCli } from '../helpers/hu.js';
import { phantomModel } from '../helpers/phantom-model.js';
import { daikonFile, TempDir } from '../helpers/paths.js';
import { readModelCard, writeModelCard } from '../../src/models/folder.js';

let tmp: TempDir;
let data: string;
let model: string;
/** Study UID → its files. */
const studies = new Map<string, string[]>();

before(async () => {
  tmp = new TempDir();
  ({ data, model } = await phantomModel(tmp, { studies: 8, seed: 5, positiveShare: 0.14, epochs: 1 }));
  const p = await predictFiles(model, [join(data, 'images')], { threads: 0 });
  for (const s of p.slices) studies.set(s.study, [...(studies.get(s.study) ?? []), s.path]);
});
after(() => tmp.remove());

/** The page's globals as page-side functions see them (the test is compiled without the DOM library; casts vanish when compiled, so the functions serialize as plain DOM code). */
type PageGlobals = { document: { getElementById(id: string): { textContent: string | null; src: string; complete: boolean; naturalWidth: number; dataset: Record<string, string> } | null } };

const BOUNDARY = 'ichdetect-test-boundary';

/** A STOW-RS body: one application/dicom part per buffer. */
function stowBody(parts: Buffer[], extraHeaders = ''): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n${extraHeaders}\r\n`), p, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

const STOW_TYPE = `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`;

function stow(serve: Serve, parts: Buffer[], headers: Record<string, string> = {}, extraPartHeaders = '') {
  return serve.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': STOW_TYPE, ...headers }, payload: stowBody(parts, extraPartHeaders) });
}

test('multipart: parts between boundaries, headers lower-cased; a body without its closing boundary is refused', () => {
  const body = stowBody([Buffer.from('first\r\npart'), Buffer.from('second')]);
  const parts = splitMultipart(body, multipartBoundary(STOW_TYPE));
  assert.deepEqual(parts.map((p) => p.body.toString()), ['first\r\npart', 'second']);
  assert.equal(parts[0]!.headers['content-type'], 'application/dicom');
  assert.throws(() => splitMultipart(body.subarray(0, body.length - 30), BOUNDARY), /not closed|no header/);
  assert.throws(() => multipartBoundary('application/dicom'), /expected multipart/);
  assert.throws(() => multipartBoundary('multipart/related; type="application/dicom"'), /boundary/);
});

test('two studies uploaded at once are stored, analysed off the request path and listed most urgent first, with the same probabilities as ich predict', async () => {
  const serve = await buildServer({ model, data: tmp.file('serve'), threads: 1 });
  try {
    const uids = [...studies.keys()].slice(0, 2);
    const replies = await Promise.all(uids.map((uid) => stow(serve, studies.get(uid)!.map((f) => readFileSync(f)))));
    replies.forEach((r, i) => {
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().stored.length, studies.get(uids[i]!)!.length);
    });
    await serve.queue.idle();
    const list = (await serve.app.inject({ url: '/api/studies' })).json().studies as { studyInstanceUID: string; status: string; any: number }[];
    assert.deepEqual(list.map((s) => s.status), ['done', 'done']);
    assert.ok(list[0]!.any >= list[1]!.any, 'most urgent first');
    for (const uid of uids) {
      const detail = (await serve.app.inject({ url: `/api/studies/${uid}` })).json();
      const expected = await predictFiles(model, studies.get(uid)!, { threads: 0 });
      const bySop = new Map(expected.slices.map((s) => [s.sop, s.probs]));
      assert.equal(detail.result.slices.length, bySop.size);
      for (const s of detail.result.slices as { sop: string; probs: number[] }[]) s.probs.forEach((v, j) => assert.ok(Math.abs(v - bySop.get(s.sop)![j]!) < 1e-6));
    }
    assert.equal((await serve.app.inject({ url: '/api/studies/1.2.3.nope' })).statusCode, 404);
    // A slice as PNG in a window: the pixels are the windowed HU of the file.
    const file = studies.get(uids[0]!)![3]!;
    const slice = await loadSlice(file);
    const png = await serve.app.inject({ url: `/api/studies/${uids[0]}/slices/${slice.file.header.sopInstanceUID}.png?window=brain` });
    assert.equal(png.statusCode, 200, png.body);
    assert.equal(png.headers['content-type'], 'image/png');
    const px = await decodePng(png.rawPayload);
    assert.deepEqual([px.width, px.height], [slice.columns, slice.rows]);
    const windowed = windowImage(slice.hu, { name: 'brain', center: 40, width: 80 });
    for (const i of [0, 1000, (slice.rows * slice.columns) >> 1, slice.rows * slice.columns - 7]) {
      assert.ok(Math.abs(px.at(i % slice.columns, Math.floor(i / slice.columns))[0] - windowed[i]! * 255) <= 1, `pixel ${i}`);
    }
    const same = await serve.app.inject({ url: `/api/studies/${uids[0]}/slices/${slice.file.header.sopInstanceUID}.png?window=40/80` });
    assert.ok(same.rawPayload.equals(png.rawPayload), 'window 40/80 is the brain preset');
    assert.equal((await serve.app.inject({ url: `/api/studies/${uids[0]}/slices/${slice.file.header.sopInstanceUID}.png?window=wide` })).statusCode, 400);
    assert.equal((await serve.app.inject({ url: `/api/studies/${uids[0]}/slices/1.2.3.png` })).statusCode, 404);
    // Every stored file lies under DATA/instances, named by hashes, whatever the client sent.
    const files = readdirSync(join(tmp.file('serve'), 'instances'), { recursive: true }) as string[];
    assert.ok(files.filter((f) => f.endsWith('.dcm')).every((f) => /^[0-9a-f]{16}\/[0-9a-f]{24}\.dcm$/.test(f)), files.join(' '));
  } finally {
    await serve.close();
  }
  // Results persist across restarts.
  const again = await buildServer({ model, data: tmp.file('serve'), threads: 1 });
  try {
    const list = (await again.app.inject({ url: '/api/studies' })).json().studies as { status: string; any: number }[];
    assert.deepEqual(list.map((s) => s.status), ['done', 'done']);
    assert.equal(again.queue.pending, 0);
  } finally {
    await again.close();
  }
});

test('the worklist lists a study of out-of-distribution slices as not assessed after the assessed ones, and a localizer as not analysed, each with its reason', async () => {
  // A real body CT without its ContrastBolusAgent (dcmtk's dcmodify) and a real CT localizer.
  const body = tmp.file('rle-no-contrast.dcm');
  cpSync(daikonFile('rle.dcm'), body);
  assert.equal(spawnSync('dcmodify', ['-nb', '-ea', '(0018,0010)', body]).status, 0, 'dcmodify (Debian package dcmtk)');
  // The phantoms' 64² matrix would leave the 512² slices out: the model-independent rules only.
  const noRanges = tmp.file('model-no-ranges');
  cpSync(model, noRanges, { recursive: true });
  writeModelCard(noRanges, { ...readModelCard(noRanges), conformance: undefined });
  const serve = await buildServer({ model: noRanges, data: tmp.file('serve-ood'), threads: 1 });
  try {
    const phantom = [...studies.keys()][0]!;
    for (const files of [studies.get(phantom)!, [body], [daikonFile('jpeg_lossless_sel1.dcm')]]) assert.equal((await stow(serve, files.map((f) => readFileSync(f)))).statusCode, 200);
    await serve.queue.idle();
    const list = (await serve.app.inject({ url: '/api/studies' })).json().studies as { studyInstanceUID: string; status: string; assessment: string | null; any: number | null; reason?: string }[];
    assert.deepEqual(list.map((s) => [s.status, s.assessment]), [['done', 'assessed'], ['done', 'not-assessed'], ['done', 'not-analysed']]);
    assert.equal(list[0]!.studyInstanceUID, phantom);
    assert.match(list[1]!.reason!, /1 of 1 analysed slices are out of the model's training distribution/);
    assert.match(list[2]!.reason!, /no slice conforms \(localizer 1, not-axial 1, body-part 1\)/);
    assert.equal(list[2]!.any, null);
    const detail = (await serve.app.inject({ url: `/api/studies/${list[1]!.studyInstanceUID}` })).json();
    assert.equal(detail.result.slices[0].ood.flagged, true);
    assert.equal(detail.result.study.assessment.status, 'not-assessed');
  } finally {
    await serve.close();
  }
});

test('/openapi.json is generated from the routes’ schemas: every operation in it answers as documented, and an invalid window or overlay gets 400 from validation', async () => {
  const serve = await buildServer({ model, data: tmp.file('serve-openapi'), threads: 1 });
  try {
    const files = [...studies.values()][0]!;
    assert.equal((await stow(serve, files.map((f) => readFileSync(f)))).statusCode, 200);
    await serve.queue.idle();
    const uid = (await serve.app.inject({ url: '/api/studies' })).json().studies[0].studyInstanceUID as string;
    const sop = (await serve.app.inject({ url: `/api/studies/${uid}` })).json().result.slices[0].sop as string;
    const doc = (await serve.app.inject({ url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; schema: { enum?: string[] } }[]; responses: Record<string, unknown> }>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(!('/viewer.js' in doc.paths), 'the viewer\'s assets are hidden');
    let answered = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const file = op.parameters?.find((p) => p.name === 'file')?.schema.enum?.[0];
        const url = path.replace('{uid}', encodeURIComponent(uid)).replace('{sop}', encodeURIComponent(sop)).replace('{file}', file ?? '');
        const r = method === 'post' ? await stow(serve, [readFileSync([...studies.values()][1]![0]!)]) : await serve.app.inject({ method: method.toUpperCase() as 'GET', url });
        assert.ok(String(r.statusCode) in op.responses, `${method} ${path}: ${r.statusCode} is not among its documented responses (${Object.keys(op.responses)})`);
        assert.ok(r.statusCode < 400, `${method} ${path}: ${r.statusCode} ${r.body.slice(0, 200)}`);
        answered++;
      }
    }
    assert.equal(answered, 11);
    const png = `/api/studies/${uid}/slices/${sop}.png`;
    for (const [query, message] of [['window=wide', /window 'wide': expected brain, subdural, soft, bone or CENTER\/WIDTH in HU/], ['overlay=bleed', /overlay 'bleed': expected one of any, epidural/], ['window=40/80&overlay=ANY', /overlay 'ANY'/]] as const) {
      const bad = await serve.app.inject({ url: `${png}?${query}` });
      assert.equal(bad.statusCode, 400, query);
      assert.match(bad.json().error, message);
    }
    assert.equal((await serve.app.inject({ url: `${png}?window=40/80` })).statusCode, 200);
  } finally {
    await serve.close();
  }
});

test('a plain form upload (multipart/form-data) is stored too, whatever file name it claims', async () => {
  const dir = tmp.file('serve-form');
  const serve = await buildServer({ model, data: dir, threads: 1 });
  try {
    const [uid, files] = [...studies.entries()][2]!;
    const form = new FormData();
    for (const f of files.slice(0, 3)) form.append('file', new Blob([readFileSync(f)]), '../../../../tmp/evil-form.dcm');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const r = await serve.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': request.headers.get('content-type')! }, payload: Buffer.from(await request.arrayBuffer()) });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json().studies, [uid]);
    assert.equal(r.json().stored.length, 3);
    await serve.queue.idle();
    assert.equal((await serve.app.inject({ url: `/api/studies/${uid}` })).json().result.slices.length, 3);
  } finally {
    await serve.close();
  }
  assert.ok(!existsSync('/tmp/evil-form.dcm'));
});

test('malformed uploads get a 4xx with a reason and change nothing', async () => {
  const dir = tmp.file('serve-bad');
  const serve = await buildServer({ model, data: dir, threads: 1 });
  try {
    const notDicom = await stow(serve, [Buffer.from('this is not DICOM'), Buffer.alloc(300)], {}, 'Content-Location: ../../../../tmp/evil.dcm\r\n');
    assert.equal(notDicom.statusCode, 409);
    assert.equal(notDicom.json().refused.length, 2);
    assert.match(notDicom.json().refused[0].reason, /./);
    const wrongType = await serve.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(wrongType.statusCode, 415);
    const noBoundary = await serve.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': 'multipart/related; type="application/dicom"' }, payload: 'x' });
    assert.equal(noBoundary.statusCode, 400);
    assert.match(noBoundary.json().error, /boundary/);
    const cut = await serve.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': STOW_TYPE }, payload: stowBody([Buffer.from('x')]).subarray(0, 40) });
    assert.equal(cut.statusCode, 400);
    assert.deepEqual((await serve.app.inject({ url: '/api/studies' })).json().studies, []);
  } finally {
    await serve.close();
  }
  assert.ok(!readdirSync(dir).includes('instances') || (readdirSync(join(dir, 'instances'), { recursive: true }) as string[]).length === 0, 'nothing stored');
  assert.ok(!existsSync('/tmp/evil.dcm'), 'a Content-Location naming a path outside DATA is never used');
});

test('with a token every route refuses requests without it; the CLI refuses a non-loopback bind without one', async () => {
  const serve = await buildServer({ model, data: tmp.file('serve-token'), token: 's3cret', threads: 1 });
  try {
    assert.equal((await serve.app.inject({ url: '/health' })).statusCode, 401);
    assert.equal((await serve.app.inject({ url: '/api/studies', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
    assert.equal((await stow(serve, [readFileSync(studies.values().next().value![0]!)])).statusCode, 401);
    // The OpenAPI description names exactly the routes the app has.
    const doc = (await serve.app.inject({ url: '/openapi.json', headers: { authorization: 'Bearer s3cret' } })).json();
    for (const [path, methods] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(methods)) assert.ok(serve.app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${path}`);
    }
    assert.equal(Object.values(doc.paths as Record<string, object>).flatMap((m) => Object.keys(m)).length, 11);
    const ok = await serve.app.inject({ url: '/health', headers: { authorization: 'Bearer s3cret' } });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().status, 'ok');
    // A browser sends the token as a Basic password (any user name); the 401 offers both schemes.
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    assert.equal((await serve.app.inject({ url: '/', headers: basic('anyone', 's3cret') })).statusCode, 200);
    const refused = await serve.app.inject({ url: '/', headers: basic('s3cret', 'wrong') });
    assert.equal(refused.statusCode, 401);
    assert.deepEqual(refused.headers['www-authenticate'], ['Bearer realm="ichdetect"', 'Basic realm="ichdetect", charset="UTF-8"']);
    assert.equal((await serve.app.inject({ url: '/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm' })).statusCode, 401);
  } finally {
    await serve.close();
  }
  const r = runCli(['serve', '--model', model, '--data', tmp.file('serve-open'), '--host', '0.0.0.0']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not loopback: give --token/);
});

test('the viewer (Debian chromium via playwright-core, the token as a Basic password): worklist most urgent first, a study scrolled by keys and wheel, windows switched, an overlay toggled, the series plot marking the slice, the model run in the browser', async () => {
  const serve = await buildServer({ model, data: tmp.file('serve-viewer'), threads: 1, token: 'v1ew', overlaySamples: 8 });
  const auth = { authorization: 'Bearer v1ew' };
  for (const files of [...studies.values()].slice(0, 2)) assert.equal((await stow(serve, files.map((f) => readFileSync(f)), auth)).statusCode, 200);
  await serve.queue.idle();
  // Launched inside the try: a browser that fails to start must still leave the server closed (else the file never exits).
  let browser: Browser | undefined;
  try {
    const address = await serve.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 1000 }, httpCredentials: { username: 'radiologist', password: 'v1ew' } })).newPage();
    await page.goto(address);
    await page.waitForSelector('tr.study >> nth=1');
    const anys = (await page.locator('td.p-any').allTextContents()).map(Number);
    assert.ok(anys.length === 2 && anys[0]! >= anys[1]!, `worklist most urgent first: ${anys}`);
    const uid = (await page.locator('tr.study').first().getAttribute('data-uid'))!;
    await page.locator('tr.study').first().click();
    // In the viewer's order: by series, then along the normal.
    const slices = ((await serve.app.inject({ url: `/api/studies/${uid}`, headers: auth })).json().result.slices as { sop: string; probs: number[]; series: string; position: number }[])
      .sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : a.position - b.position));
    const n = slices.length;
    // Page-side functions, not strings: the page's Content-Security-Policy forbids eval, which playwright uses for strings.
    const position = (k: number) => page.waitForFunction((text) => (globalThis as unknown as PageGlobals).document.getElementById('position')?.textContent === text, `slice ${k} / ${n}`);
    await position(1);
    const imageReady = (query: string) => page.waitForFunction((q) => { const i = (globalThis as unknown as PageGlobals).document.getElementById('image')!; return String(i.src).endsWith(q) && i.complete && i.naturalWidth > 0; }, query, { timeout: 60_000 });
    // The shown image is the served PNG (64² shown at 512², pixelated), compared at given pixels and channels.
    const samePixels = async (query: string, at: (served: Awaited<ReturnType<typeof decodePng>>) => [number, number][]) => {
      await imageReady(query);
      const src = (await page.locator('#image').getAttribute('src'))!;
      const served = await decodePng((await serve.app.inject({ url: src, headers: auth })).rawPayload);
      const shot = await decodePng(await page.locator('#image').screenshot());
      const scale = shot.width / served.width;
      for (const [x, y] of at(served)) {
        const a = served.at(x, y);
        const b = shot.at(Math.floor((x + 0.5) * scale), Math.floor((y + 0.5) * scale));
        for (const c of [0, 1, 2]) assert.ok(Math.abs(a[c]! - b[c]!) <= 2, `${query} pixel (${x}, ${y}) channel ${c}: served ${a[c]}, shown ${b[c]}`);
      }
      return served;
    };
    const fixed = () => [[5, 5], [32, 32], [20, 40], [50, 12]] as [number, number][];
    await samePixels('window=brain', fixed);
    await page.keyboard.press('ArrowDown');
    await position(2);
    await page.locator('#image').hover();
    await page.mouse.wheel(0, 120);
    await position(3);
    await page.locator('button.window[data-window=subdural]').click();
    const plain = await samePixels('window=subdural', fixed);
    // The attribution of 'any' over the subdural window: coloured where the map is strongest, shown as served.
    await page.locator('button.overlay[data-overlay=any]').click();
    const coloured = (img: typeof plain) => {
      let best: [number, number] = [0, 0];
      let most = -1;
      for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
        const [r, g, b] = img.at(x, y);
        const chroma = Math.max(r!, g!, b!) - Math.min(r!, g!, b!);
        if (chroma > most) [most, best] = [chroma, [x, y]];
      }
      return { most, best };
    };
    const withOverlay = await samePixels('window=subdural&overlay=any', (img) => [coloured(img).best, ...fixed()]);
    assert.equal(coloured(plain).most, 0, 'the plain window is grey');
    assert.ok(coloured(withOverlay).most > 40, `the overlay colours the slice (largest chroma ${coloured(withOverlay).most})`);
    const bad = await serve.app.inject({ url: `/api/studies/${uid}/slices/${slices[0]!.sop}.png?overlay=bleed`, headers: auth });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error, /overlay 'bleed': expected one of any, epidural/);
    await page.locator('button.overlay[data-overlay=""]').click();
    await samePixels('window=subdural', fixed);
    // The plot marks slice 3 with the blue cursor line.
    const plot = await decodePng(await page.locator('#plot').screenshot());
    const x = Math.round(30 + (2 / (n - 1)) * (512 - 40));
    const [r, g, b] = plot.at(x, 70);
    assert.ok(b > 200 && r < 60 && g < 120, `cursor at slice 3: rgb(${r}, ${g}, ${b})`);
    // onnxruntime-web in the browser, on the same model.onnx, gives the server's probabilities for slice 3.
    assert.match((await page.locator('#side').textContent())!, /computed in this browser/);
    await page.waitForFunction((sop) => (globalThis as unknown as PageGlobals).document.getElementById('probs-browser')?.dataset.sop === sop, slices[2]!.sop, { timeout: 60_000 });
    const inBrowser = JSON.parse((await page.locator('#probs-browser').getAttribute('data-probs'))!) as number[];
    inBrowser.forEach((p, j) => assert.ok(Math.abs(p - slices[2]!.probs[j]!) < 1e-5, `label ${j}: browser ${p}, server ${slices[2]!.probs[j]}`));
  } finally {
    await browser?.close();
    await serve.close();
  }
});
