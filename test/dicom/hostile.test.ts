// Hostile and broken files (issue 17's reproductions): each refused with its stable code by every
// reader — the header-only index read, the full read and decode, and the HU conversion.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { headerRecord } from '../../src/data/header-record.js';
import { REJECT_CODES } from '../../src/dicom/errors.js';
import { loadSlice } from '../../src/dicom/load.js';
import { fileTensor } from '../../src/preprocess/file-tensor.js';
import { tensorSpec } from '../../src/preprocess/tensor.js';
import { headSlice, hostileFiles } from '../helpers/hostile.js';
import { encodeCtSlice } from '../../src/dicom/write.js';
import { REPO_ROOT, TempDir } from '../helpers/paths.js';

let tmp: TempDir;
before(() => (tmp = new TempDir('ichdetect-hostile-')));
after(() => tmp.remove());

const HEADER_CODES = new Set(['invalid-uid', 'too-large', 'implausible-rescale', 'invalid-header']);

test('each hostile file is refused with its code by the full read and, where the header shows it, by the index read', async () => {
  const files = await hostileFiles(tmp, '1.2.826.0.1.3680043.10.1017');
  for (const f of files) {
    const path = tmp.file(`${f.name}.dcm`);
    writeFileSync(path, f.bytes);
    assert.ok(f.code in REJECT_CODES, f.code);
    const loaded = await loadSlice(path, { requireCt: true }).then(() => undefined, (e: { code?: string; message: string }) => e);
    const tensor = await fileTensor(path, tensorSpec(32)).then(() => undefined, (e: { code?: string; message: string }) => e);
    const header = headerRecord({ path, size: f.bytes.length, mtimeMs: 0 });
    if (f.name === 'xss-uid') {
      // loadSlice reads pixels; the UID check is the door's (index, predict, serve).
      assert.equal(header.reasonCode, 'invalid-uid', `${f.name}: ${header.reason}`);
      continue;
    }
    assert.equal(loaded?.code, f.code, `${f.name} (loadSlice): ${loaded?.message}`);
    assert.equal(tensor?.code, f.code, `${f.name} (fileTensor): ${tensor?.message}`);
    if (HEADER_CODES.has(f.code)) assert.equal(header.reasonCode, f.code, `${f.name} (index): ${header.reason}`);
    else assert.equal(header.status, 'ok', `${f.name}: the header alone is fine`);
    assert.doesNotMatch(loaded!.message, /Cannot read|is not a function|undefined|^\d+$/, f.name);
  }
});

test('the plausible slice the hostile files are made from is accepted everywhere (the rules do not refuse a CT)', async () => {
  const path = tmp.file('plain.dcm');
  writeFileSync(path, encodeCtSlice(headSlice('1.2.826.0.1.3680043.10.1017.99')));
  const slice = await loadSlice(path, { requireCt: true });
  assert.ok(slice.hu.some((v) => v > 1000) && slice.hu.some((v) => v < -900));
  assert.equal(headerRecord({ path, size: 0, mtimeMs: 0 }).status, 'ok');
  await fileTensor(path, tensorSpec(32));
});

test('README "DICOM support" lists every rejection code with its meaning', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## DICOM support'), readme.indexOf('## Library API'));
  for (const [code, meaning] of Object.entries(REJECT_CODES)) assert.ok(section.includes(`| \`${code}\` | ${meaning} |`), code);
});

test('every UI element is checked, not only the identifiers ichdetect keys on; RSNA ID_<hex> identifiers pass, a SOP class in that form does not', () => {
  const cases = [
    { extra: { FrameOfReferenceUID: '<script>alert(1)</script>' }, code: 'invalid-uid', what: /\(0020,0052\)/ },
    { extra: { FrameOfReferenceUID: 'ID_0a1b2c' }, code: undefined },
    { slice: { sopInstanceUID: 'ID_12ab34cd5', studyInstanceUID: 'ID_5c8b5d701f', seriesInstanceUID: 'ID_bcbb4b8f2a' }, code: undefined },
    { slice: { sopClassUID: 'ID_abc' }, code: 'invalid-uid', what: /SOPClassUID|\(0008,0016\)|\(0002,0002\)/ },
    { slice: { seriesInstanceUID: '1.2.3.4a' }, code: 'invalid-uid', what: /SeriesInstanceUID "1\.2\.3\.4a"/ },
  ];
  for (const [k, c] of cases.entries()) {
    const path = tmp.file(`uid-${k}.dcm`);
    writeFileSync(path, encodeCtSlice(headSlice(`1.2.826.0.1.3680043.10.1017.98.${k}`, { ...c.slice, extra: c.extra })));
    const r = headerRecord({ path, size: 0, mtimeMs: 0 });
    assert.equal(r.reasonCode, c.code, `case ${k}: ${r.reason}`);
    if (c.what) assert.match(r.reason!, c.what);
  }
});
