#!/usr/bin/env node
// `npm run figure:viewer -- --model DIR --data DIR [--studies 6] [--out docs/images/viewer.png]`:
// the README's picture of the web viewer. Starts `ich serve` (the library app, loopback, a temporary
// data folder), uploads the data folder's studies with the most positive slices and as many without
// any by STOW-RS, waits for their analysis, then opens the viewer in Debian's chromium: the top
// study of the worklist at its key slice, with the attribution of its most probable subtype.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { defaultDbPath } from '../dist/src/data/db.js';
import { LABELS } from '../dist/src/data/labels.js';
import { stowRequest } from '../dist/src/serve/multipart.js';
import { buildServer } from '../dist/src/serve/server.js';

const { values: o } = parseArgs({ options: { model: { type: 'string' }, data: { type: 'string' }, studies: { type: 'string', default: '6' }, out: { type: 'string', default: 'docs/images/viewer.png' } } });
if (!o.model || !o.data) throw new Error('usage: viewer-figure --model DIR --data DIR (indexed by ich index) [--studies 6] [--out PNG]');
const db = new Database(defaultDbPath(resolve(o.data)), { readonly: true });
const half = Math.ceil(Number(o.studies) / 2);
const ranked = db.prepare(`SELECT study_instance_uid AS uid, SUM(y_any) AS positives FROM files WHERE status = 'ok' GROUP BY uid ORDER BY positives DESC, uid`).all();
const picked = [...ranked.slice(0, half), ...ranked.filter((s) => s.positives === 0).slice(0, Number(o.studies) - half)];
const filesOf = db.prepare(`SELECT path FROM files WHERE status = 'ok' AND study_instance_uid = ?`);

const data = mkdtempSync(join(tmpdir(), 'ich-viewer-'));
const serve = await buildServer({ model: o.model, data });
try {
  for (const { uid } of picked) {
    const { body, contentType } = stowRequest(filesOf.all(uid).map(({ path }) => readFileSync(path)));
    const r = await serve.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': contentType }, payload: body });
    if (r.statusCode !== 200) throw new Error(`upload of ${uid}: ${r.statusCode} ${r.body}`);
  }
  await serve.queue.idle();
  const top = (await serve.app.inject({ url: '/api/studies' })).json().studies[0];
  const subtype = LABELS.slice(1).reduce((a, l) => (top.perLabel[l] > top.perLabel[a] ? l : a), LABELS[1]);
  const address = await serve.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1180, height: 1080 } });
    await page.goto(address);
    await page.locator('tr.study').first().click();
    await page.locator('#key').click();
    await page.locator(`button.overlay[data-overlay=${subtype}]`).click();
    await page.waitForFunction(`(() => { const i = document.getElementById('image'); return i.src.includes('overlay=${subtype}') && i.complete && i.naturalWidth > 0; })()`, null, { timeout: 120_000 });
    await page.waitForFunction(`document.getElementById('probs-browser').dataset.sop !== ''`, null, { timeout: 60_000 }).catch(() => undefined);
    await page.screenshot({ path: o.out, fullPage: true });
    process.stdout.write(`${o.out}: ${picked.length} studies, top ${top.studyInstanceUID} (P(any) ${top.any.toFixed(3)}), overlay ${subtype}\n`);
  } finally {
    await browser.close();
  }
} finally {
  await serve.close();
  rmSync(data, { recursive: true, force: true });
}
