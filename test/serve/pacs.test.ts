// ich pacs pull against a real Orthanc (Debian orthanc, orthanc-dicomweb, orthanc-gdcm) on loopback.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { synthesize } from '../../src/data/phantom/synth.js';
import { predictFiles } from '../../src/models/predict.js';
import { findStudies, pacsPull } from '../../src/serve/pacs.js';
import { runCli } from '../helpers/hu.js';
import { TempDir } from '../helpers/paths.js';

let tmp: TempDir;
let orthanc: ChildProcess;
let url: string;
let model: string;
const studies = new Map<string, string[]>();

const freePort = () => new Promise<number>((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => ok(port));
  });
});

before(async () => {
  tmp = new TempDir();
  const data = tmp.file('data');
  await synthesize({ out: data, studies: 8, seed: 9, size: 64, positiveShare: 0.14, corrupt: 0 });
  model = tmp.file('model');
  assert.equal(runCli(['train', '--data', data, '--out', model, '--epochs', '1', '--size', '32', '--batch', '16', '--threads', '1']).status, 0);
  const p = await predictFiles(model, [join(data, 'images')], { threads: 0 });
  for (const s of p.slices) studies.set(s.study, [...(studies.get(s.study) ?? []), s.path]);
  const [http, dicom] = [await freePort(), await freePort()];
  const config = tmp.file('orthanc.json');
  writeFileSync(config, JSON.stringify({
    Name: 'ichdetect-test', StorageDirectory: tmp.file('orthanc-db'), IndexDirectory: tmp.file('orthanc-db'), HttpPort: http, DicomPort: dicom,
    RemoteAccessAllowed: false, AuthenticationEnabled: false, DicomWeb: { Enable: true, Root: '/dicom-web/' },
    Plugins: ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/share/orthanc/plugins/libOrthancGdcm.so'],
  }));
  orthanc = spawn('/usr/sbin/Orthanc', [config], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${http}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/system`).catch(() => undefined))?.ok) break;
    if (i > 100) throw new Error('Orthanc did not start (Debian packages orthanc, orthanc-dicomweb, orthanc-gdcm)');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Two studies go into the PACS by Orthanc's plain upload.
  for (const files of [...studies.values()].slice(0, 2)) {
    for (const f of files) assert.ok((await fetch(`${base}/instances`, { method: 'POST', body: readFileSync(f) })).ok);
  }
  url = `${base}/dicom-web`;
});
after(() => {
  orthanc?.kill('SIGTERM');
  tmp.remove();
});

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
