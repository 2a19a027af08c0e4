// ich pacs pull against a real Orthanc (Debian orthanc, orthanc-dicomweb, orthanc-gdcm) on loopback.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { predictFiles } from '../../src/predict/predictor.js';
import { findStudies, pacsPull } from '../../src/serve/pacs.js';
import { runCli } from '../helpers/hu.js';
import { type PacsFixture, pacsFixture } from '../helpers/orthanc.js';

let pacs: PacsFixture;
let tmp: PacsFixture['tmp'];
let url: string;
let model: string;
let studies: PacsFixture['studies'];

before(async () => {
  pacs = await pacsFixture(2);
  ({ tmp, url, model, studies } = pacs);
});
after(() => pacs?.close());

test('ich pacs pull finds the CT studies by QIDO-RS, retrieves them by WADO-RS and analyses them as ich predict does', async () => {
  const uids = [...studies.keys()].slice(0, 2);
  assert.deepEqual((await findStudies(url)).sort(), [...uids].sort());
  assert.deepEqual(await findStudies(url, { since: '2100-01-01' }), []);
  const pulled = await pacsPull({ url, model, out: tmp.file('pulled'), threads: 1 });
  assert.deepEqual(pulled.map((s) => s.studyInstanceUID).sort(), [...uids].sort());
  assert.ok((pulled[0]!.study?.any ?? 0) >= (pulled[1]!.study?.any ?? 0), 'most urgent first');
  for (const s of pulled) {
    const files = studies.get(s.studyInstanceUID)!;
    assert.equal(s.instances, files.length);
    assert.deepEqual(s.refused, []);
    const expected = new Map((await predictFiles(model, files, { threads: 0 })).slices.map((x) => [x.sop, x.probs]));
    const result = JSON.parse(readFileSync(s.result, 'utf8')) as { slices: { sop: string; probs: number[] }[] };
    assert.equal(result.slices.length, files.length);
    for (const x of result.slices) x.probs.forEach((v, j) => assert.ok(Math.abs(v - expected.get(x.sop)![j]!) < 1e-6));
  }
  const cli = runCli(['pacs', 'pull', '--url', url, '--model', model, '--study', uids[1]!, '--out', tmp.file('pulled-cli'), '--threads', '1', '--json']);
  assert.equal(cli.status, 0, cli.stderr);
  const json = JSON.parse(cli.stdout) as { studies: { studyInstanceUID: string; instances: number }[] };
  assert.deepEqual(json.studies.map((s) => [s.studyInstanceUID, s.instances]), [[uids[1], studies.get(uids[1]!)!.length]]);
  const bad = runCli(['pacs', 'pull', '--url', url, '--model', model, '--since', 'yesterday', '--out', tmp.file('x')]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--since yesterday: expected a date/);
});
