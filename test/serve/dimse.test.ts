// ich serve on the DICOM network: dcmtk's echoscu and storescu (Debian dcmtk) against the service's
// Storage SCP — AE titles checked at association, C-STORE into the same store as STOW-RS, a study
// sent in two associations analysed once it is quiet, whole, with ich predict's probabilities.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readDicomHeader } from '../../src/dicom/read.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { buildServer, type Serve } from '../../src/serve/server.js';
import { phantomModel } from '../helpers/phantom-model.js';
import { pydicomFile, TempDir } from '../helpers/paths.js';
import { dcmtkAsync as dcmtk, PROPOSE } from '../helpers/dcmtk.js';

let tmp: TempDir;
let model: string;
let data: string;
let serve: Serve;
const QUIET_SECONDS = 2;



before(async () => {
  tmp = new TempDir();
  ({ data, model } = await phantomModel(tmp, { studies: 6, seed: 14, positiveShare: 0.5, epochs: 1 }));
  serve = await buildServer({ model, data: tmp.file('serve'), threads: 1, dimse: { port: 0, aeTitle: 'ICHDETECT', callers: ['MODALITY', 'PACS'], quietSeconds: QUIET_SECONDS } });
});
after(async () => {
  await serve?.close();
  tmp.remove();
});

const address = () => ['127.0.0.1', String(serve.dimsePort)];

test('C-ECHO from a known calling AE title succeeds; an unknown calling or called AE title is refused at association', async () => {
  assert.equal((await dcmtk('echoscu', ['-aet', 'MODALITY', '-aec', 'ICHDETECT', ...address()])).status, 0);
  const stranger = await dcmtk('echoscu', ['-aet', 'STRANGER', '-aec', 'ICHDETECT', ...address()]);
  assert.notEqual(stranger.status, 0);
  assert.match(stranger.stderr, /Calling AE Title Not Recognized/);
  const wrongCalled = await dcmtk('echoscu', ['-aet', 'MODALITY', '-aec', 'SOMEONE', ...address()]);
  assert.notEqual(wrongCalled.status, 0);
  assert.match(wrongCalled.stderr, /Called AE Title Not Recognized/);
  const refused = await dcmtk('storescu', ['-aet', 'STRANGER', '-aec', 'ICHDETECT', ...address(), join(data, 'images')]);
  assert.notEqual(refused.status, 0);
  assert.equal(serve.store.studies().length, 0, 'nothing stored from an unknown AE');
});

test('a study sent by C-STORE in two associations, in shuffled order, is analysed once it is quiet, whole, with ich predict’s probabilities', async () => {
  const p = await predictFiles(model, [join(data, 'images')], { threads: 0 });
  const studies = [...new Set(p.slices.map((s) => s.study))];
  // A compressed study (storescu proposes its syntax) and an uncompressed one, when the phantoms have both.
  const syntaxOf = (uid: string) => readDicomHeader(p.slices.find((s) => s.study === uid)!.path).header.transferSyntaxUID;
  const picked = [studies.find((uid) => PROPOSE[syntaxOf(uid)]), studies.find((uid) => !PROPOSE[syntaxOf(uid)])].filter((u): u is string => u !== undefined);
  assert.equal(picked.length, 2, 'a compressed and an uncompressed study');
  for (const uid of picked) {
    const files = p.slices.filter((s) => s.study === uid).map((s) => s.path).reverse();
    const flag = PROPOSE[syntaxOf(uid)];
    const send = (part: string[]) => dcmtk('storescu', ['-aet', 'PACS', '-aec', 'ICHDETECT', ...(flag ? [flag] : []), ...address(), ...part]);
    const half = Math.ceil(files.length / 2);
    const first = await send(files.slice(0, half));
    assert.equal(first.status, 0, first.stderr);
    assert.notEqual(serve.store.study(uid)?.status, 'done', 'not analysed while instances keep coming');
    const second = await send(files.slice(half));
    assert.equal(second.status, 0, second.stderr);
    await new Promise((r) => setTimeout(r, QUIET_SECONDS * 1000 + 500));
    await serve.queue.idle();
    const row = serve.store.study(uid)!;
    assert.equal(row.status, 'done', JSON.stringify(row).slice(0, 300));
    const result = row.result as { slices: { sop: string; probs: number[] }[] };
    assert.equal(result.slices.length, files.length, `${syntaxOf(uid)}: every instance analysed`);
    const expected = new Map(p.slices.map((s) => [s.sop, s.probs]));
    for (const s of result.slices) s.probs.forEach((v, j) => assert.ok(Math.abs(v - expected.get(s.sop)![j]!) < 1e-6, `${s.sop} label ${j}`));
  }
});

test('an instance larger than the upload limit is not kept (Refused: out of resources), an MR is refused (cannot understand); nothing is stored', async () => {
  const small = await buildServer({ model, data: tmp.file('serve-small'), threads: 1, maxUploadBytes: 2048, dimse: { port: 0, aeTitle: 'ICHDETECT', quietSeconds: QUIET_SECONDS } });
  try {
    const file = (await predictFiles(model, [join(data, 'images')], { threads: 0 })).slices.find((s) => !PROPOSE[readDicomHeader(s.path).header.transferSyntaxUID])!.path;
    const r = await dcmtk('storescu', ['-v', '-aet', 'PACS', '-aec', 'ICHDETECT', '127.0.0.1', String(small.dimsePort), file]);
    assert.match(r.stderr, /Received Store Response \(Refused: OutOfResources|0xa700/i, r.stderr);
    assert.equal(small.store.studies().length, 0);
    // A file that is no CT slice (an MR) is refused with "cannot understand" and the reason.
    const before = serve.store.studies().length;
    const mr = await dcmtk('storescu', ['-v', '-aet', 'PACS', '-aec', 'ICHDETECT', ...address(), pydicomFile('MR_small.dcm')]);
    assert.match(mr.stderr, /Received Store Response \(Error: CannotUnderstand|0xc000/i, mr.stderr);
    assert.equal(serve.store.studies().length, before);
  } finally {
    await small.close();
  }
});
