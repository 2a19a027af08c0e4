// ich serve between a real Orthanc and itself on the DICOM network: Orthanc, configured with
// ichdetect as a DICOM modality, sends a phantom study by C-STORE (its REST /modalities/…/store);
// ichdetect analyses it once quiet and C-STOREs the SR, the Parametric Map, the KOS and the Secondary
// Capture back (--push dimse://ORTHANC@…); the test reads them from Orthanc over DICOMweb and checks
// probabilities (equal to ich predict's), references and pixel values. A second send of the same
// study gives no second report; a study whose instances trickle in over a minute, shuffled, is
// analysed once, whole; an unknown calling AE title is refused. ich pacs pull pushes by C-STORE too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { LABELS } from '../../src/data/labels.js';
import { readDataset, readInstance } from '../../src/dicom/naturalized.js';
import { readDicomHeader } from '../../src/dicom/read.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { SliceAttributions } from '../../src/serve/attributions.js';
import { multipartBoundary, splitMultipart } from '../../src/serve/multipart.js';
import type { PushedInstances } from '../../src/serve/push.js';
import { overlayOnGrid } from '../../src/serve/render.js';
import { keySlices, reportedProbabilities } from '../../src/serve/results/key-slices.js';
import { buildServer, type Serve } from '../../src/serve/server.js';
import { type PacsFixture, pacsFixture } from '../helpers/orthanc.js';
import { reportedGroups } from '../helpers/sr.js';
import { runCli } from '../helpers/hu.js';
import { dcmtkAsync as dcmtk, PROPOSE } from '../helpers/dcmtk.js';

const SAMPLES = 4;
const QUIET_SECONDS = 6;
let pacs: PacsFixture;
let serve: Serve;
/** How many times each study was analysed (the store's 'running' transitions). */
const runs = new Map<string, number>();

before(async () => {
  pacs = await pacsFixture(1);
  serve = await buildServer({
    model: pacs.model, data: pacs.tmp.file('serve'), threads: 1, overlaySamples: SAMPLES,
    dimse: { port: 0, aeTitle: 'ICHDETECT', callers: ['ORTHANC', 'MODALITY'], quietSeconds: QUIET_SECONDS },
    push: `dimse://ORTHANC@127.0.0.1:${pacs.dicomPort}`,
  });
  const setStatus = serve.store.setStatus.bind(serve.store);
  serve.store.setStatus = (uid, status, extra) => {
    if (status === 'running') runs.set(uid, (runs.get(uid) ?? 0) + 1);
    setStatus(uid, status, extra);
  };
  const r = await fetch(`${pacs.rest}/modalities/ichdetect`, { method: 'PUT', body: JSON.stringify({ AET: 'ICHDETECT', Host: '127.0.0.1', Port: serve.dimsePort }) });
  assert.ok(r.ok, `Orthanc modality: ${r.status}`);
});
after(async () => {
  await serve?.close();
  pacs?.close();
});


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the study's analysis is done and says what was pushed (or that it was pushed already). */
async function analysed(uid: string, what: 'pushed' | 'alreadyPushed', timeoutMs = 180_000): Promise<PushedInstances> {
  for (const start = Date.now(); Date.now() - start < timeoutMs; await sleep(250)) {
    const row = serve.store.study(uid);
    const result = row?.result as { pushed?: PushedInstances; alreadyPushed?: PushedInstances; pushError?: string } | undefined;
    if (row?.status === 'done' && result?.pushError) assert.fail(`push failed: ${result.pushError}`);
    if (row?.status === 'failed') assert.fail(`analysis failed: ${row.error}`);
    if (row?.status === 'done' && result?.[what]) return result[what]!;
  }
  assert.fail(`study ${uid} not ${what} within ${timeoutMs / 1000} s`);
}

/**
 * Every instance of the study in Orthanc with `sopClass`, read back series by series over WADO-RS, as
 * stored (transfer-syntax=*), the CT series left alone (Debian's Orthanc GDCM plugin has crashed
 * transcoding the phantoms' compressed CT).
 */
async function instancesOf(uid: string, sopClass: string): Promise<Record<string, unknown>[]> {
  const series = (await (await fetch(`${pacs.url}/studies/${uid}/series`, { headers: { accept: 'application/dicom+json' } })).json()) as Record<string, { Value: string[] }>[];
  const found: Record<string, unknown>[] = [];
  for (const s of series.filter((x) => x['00080060']?.Value[0] !== 'CT')) {
    const r = await fetch(`${pacs.url}/studies/${uid}/series/${s['0020000E']!.Value[0]}`, { headers: { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
    assert.ok(r.ok);
    const parts = splitMultipart(Buffer.from(await r.arrayBuffer()), multipartBoundary(r.headers.get('content-type') ?? undefined));
    found.push(...parts.map(({ body }) => readDataset(body, true)).filter((d) => d.SOPClassUID === sopClass));
  }
  return found;
}

/** Orthanc sends the study's CT series to ichdetect, as a routing rule would (ichdetect refuses what is not a CT image, with status C000). */
async function orthancSendsStudy(uid: string): Promise<void> {
  const [found] = (await (await fetch(`${pacs.rest}/tools/lookup`, { method: 'POST', body: uid })).json()) as { ID: string; Type: string }[];
  assert.equal(found?.Type, 'Study');
  const series = (await (await fetch(`${pacs.rest}/studies/${found.ID}/series`)).json()) as { ID: string; MainDicomTags: { Modality: string } }[];
  const ct = series.filter((s) => s.MainDicomTags.Modality === 'CT').map((s) => s.ID);
  assert.equal(ct.length, 1);
  const r = await fetch(`${pacs.rest}/modalities/ichdetect/store`, { method: 'POST', body: JSON.stringify({ Resources: ct, Synchronous: true }) });
  assert.ok(r.ok, `Orthanc C-STORE to ichdetect: ${r.status} ${await r.text()}`);
}

test('Orthanc C-STOREs a study to ichdetect, which C-STOREs its SR, Parametric Map, KOS and Secondary Capture back; a second send gives no second report', async () => {
  assert.ok((await fetch(`${pacs.rest}/modalities/ichdetect/echo`, { method: 'POST', body: '{}' })).ok, 'Orthanc echoes ichdetect');
  const uid = pacs.uploaded[0]!;
  const files = pacs.studies.get(uid)!;
  await orthancSendsStudy(uid);
  const pushed = await analysed(uid, 'pushed');
  const expected = (await predictFiles(pacs.model, files, { threads: 0 })).studies[0]!;
  const { probs } = reportedProbabilities(expected);

  const [sr, ...moreSr] = await instancesOf(uid, '1.2.840.10008.5.1.4.1.1.88.33');
  assert.equal(moreSr.length, 0);
  assert.equal(sr!.SOPInstanceUID, pushed.sr);
  const groups = reportedGroups(sr!);
  assert.deepEqual(groups.map((g) => g.label), [...LABELS]);
  for (const g of groups) {
    assert.ok(Math.abs(g.probability! - probs[g.label]) < 1e-9, `${g.label}: ${g.probability} vs ich predict ${probs[g.label]}`);
    assert.deepEqual(g.keySlices, [expected.drivers[g.label][0]!.sop]);
  }
  const evidence = (sr!.CurrentRequestedProcedureEvidenceSequence as { ReferencedSeriesSequence: { ReferencedSOPSequence: { ReferencedSOPInstanceUID: string }[] }[] }[])[0]!;
  const referenced = evidence.ReferencedSeriesSequence.flatMap((s) => s.ReferencedSOPSequence.map((r) => r.ReferencedSOPInstanceUID)).sort();
  assert.deepEqual(referenced, files.map((f) => String(readInstance(f).SOPInstanceUID)).sort(), 'every analysed instance referenced');

  const key = keySlices(expected).slices;
  const [pm] = await instancesOf(uid, '1.2.840.10008.5.1.4.1.1.30');
  assert.equal(pm!.SOPInstanceUID, pushed.parametricMap);
  const pixels = new Float32Array((pm!.FloatPixelData as ArrayBuffer[])[0]!);
  const attributions = new SliceAttributions(pacs.model, pacs.tmp.file('check'), { samples: SAMPLES, threads: 1 });
  try {
    for (const [k, s] of key.entries()) {
      const src = readInstance(s.path);
      const [rows, columns] = [Number(src.Rows), Number(src.Columns)];
      const frame = (pm!.PerFrameFunctionalGroupsSequence as { DerivationImageSequence: { SourceImageSequence: { ReferencedSOPInstanceUID: string }[] }[] }[])[k]!;
      assert.equal(frame.DerivationImageSequence[0]!.SourceImageSequence[0]!.ReferencedSOPInstanceUID, s.sop);
      const values = overlayOnGrid(await attributions.overlay(s.path, s.sop, LABELS.indexOf(s.label)), rows, columns);
      assert.deepEqual(pixels.subarray(k * rows * columns, (k + 1) * rows * columns), values, `frame ${k + 1} (${s.label})`);
    }
  } finally {
    await attributions.close();
  }
  const [kos] = await instancesOf(uid, '1.2.840.10008.5.1.4.1.1.88.59');
  assert.equal(kos!.SOPInstanceUID, pushed.keyObjects);
  const kosImages = (kos!.ContentSequence as { ValueType: string; ReferencedSOPSequence: { ReferencedSOPInstanceUID: string }[] }[]).filter((i) => i.ValueType === 'IMAGE');
  assert.deepEqual(kosImages.map((i) => i.ReferencedSOPSequence[0]!.ReferencedSOPInstanceUID), [...new Set(key.map((s) => s.sop))]);
  const [sc] = await instancesOf(uid, '1.2.840.10008.5.1.4.1.1.7');
  assert.equal(sc!.SOPInstanceUID, pushed.secondaryCapture);
  assert.deepEqual([sc!.Rows, sc!.Columns], [readInstance(expected.topSlice.path).Rows, readInstance(expected.topSlice.path).Columns]);

  // The same study again: analysed again (it may have changed), not reported again.
  await orthancSendsStudy(uid);
  assert.deepEqual(await analysed(uid, 'alreadyPushed'), pushed);
  assert.equal(runs.get(uid), 2);
  assert.equal((await instancesOf(uid, '1.2.840.10008.5.1.4.1.1.88.33')).length, 1, 'one report');
});

test('a study whose instances arrive one by one over a minute, shuffled, is analysed once, whole; an unknown calling AE title is refused', async () => {
  const stranger = await dcmtk('echoscu', ['-aet', 'STRANGER', '-aec', 'ICHDETECT', '127.0.0.1', String(serve.dimsePort)]);
  assert.notEqual(stranger.status, 0);
  assert.match(stranger.stderr, /Calling AE Title Not Recognized/);
  const uid = [...pacs.studies.keys()].find((u) => !pacs.uploaded.includes(u))!;
  const files = [...pacs.studies.get(uid)!];
  for (let i = files.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [files[i], files[j]] = [files[j]!, files[i]!];
  }
  const syntax = readDicomHeader(files[0]!).header.transferSyntaxUID;
  // Gaps shorter than the quiet period, spread so the whole study takes a minute or more.
  const gapMs = Math.ceil(61_000 / (files.length - 1));
  assert.ok(gapMs < (QUIET_SECONDS * 1000) / 1.5, `${files.length} instances: gaps of ${gapMs} ms leave too little of the ${QUIET_SECONDS} s quiet period`);
  const started = Date.now();
  for (const [i, f] of files.entries()) {
    if (i > 0) await sleep(gapMs);
    const sent = await dcmtk('storescu', ['-aet', 'MODALITY', '-aec', 'ICHDETECT', ...(PROPOSE[syntax] ? [PROPOSE[syntax]!] : []), '127.0.0.1', String(serve.dimsePort), f]);
    assert.equal(sent.status, 0, sent.stderr);
    assert.equal(runs.get(uid) ?? 0, 0, `not analysed while instances still arrive (after ${i + 1} of ${files.length})`);
  }
  const span = Date.now() - started;
  await analysed(uid, 'pushed');
  assert.equal(runs.get(uid), 1, 'analysed once');
  const result = serve.store.study(uid)!.result as { slices: unknown[] };
  assert.equal(result.slices.length, files.length, 'whole');
  assert.ok(span >= 60_000, `sent over ${span} ms`);
});

test('ich pacs pull --push dimse://ORTHANC@… pulls by DICOMweb and stores the results back by C-STORE', async () => {
  const uid = [...pacs.studies.keys()].reverse().find((u) => !pacs.uploaded.includes(u))!;
  for (const f of pacs.studies.get(uid)!) assert.ok((await fetch(`${pacs.rest}/instances`, { method: 'POST', body: readFileSync(f) })).ok);
  const push = `dimse://ORTHANC@127.0.0.1:${pacs.dicomPort}`;
  const cli = runCli(['pacs', 'pull', '--url', pacs.url, '--model', pacs.model, '--study', uid, '--out', pacs.tmp.file('pull-dimse'), '--threads', '1', '--push', push, '--overlay-samples', String(SAMPLES), '--json']);
  assert.equal(cli.status, 0, cli.stderr);
  const [pulled] = (JSON.parse(cli.stdout) as { studies: { pushed: PushedInstances }[] }).studies;
  assert.ok(pulled?.pushed.parametricMap && pulled.pushed.keyObjects);
  assert.deepEqual((await instancesOf(uid, '1.2.840.10008.5.1.4.1.1.88.33')).map((d) => d.SOPInstanceUID), [pulled.pushed.sr]);
  assert.deepEqual((await instancesOf(uid, '1.2.840.10008.5.1.4.1.1.30')).map((d) => d.SOPInstanceUID), [pulled.pushed.parametricMap]);
  const bad = runCli(['pacs', 'pull', '--url', pacs.url, '--model', pacs.model, '--study', uid, '--out', pacs.tmp.file('pull-bad'), '--push', 'dimse://ORTHANC@127.0.0.1']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /dimse:\/\/ORTHANC@127\.0\.0\.1: expected dimse:\/\/AET@host:port/);
});
