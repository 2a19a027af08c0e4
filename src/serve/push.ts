// An analysed study goes back to its PACS as new instances in its own study, the objects IHE AI
// Results asks for (results/): a TID 1500 SR of the findings, a Parametric Map of the key slices'
// attributions, a Key Object Selection of the key slices, and a Secondary Capture of the key slice
// for PACS that render nothing else — stored by STOW-RS (DicomWeb) or C-STORE (DimseSink).
import { LABELS, type Label } from '../data/labels.js';
import { encodeDataset } from '../dicom/write.js';
import type { StudyPrediction } from '../predict/studies.js';
import type { SliceAttributions } from './attributions.js';
import { readInstance } from '../dicom/naturalized.js';
import { overlayOnGrid, type SliceImage, windowedSlice } from './render.js';
import { keySlices, reportedProbabilities, topSubtype } from './results/key-slices.js';
import { measurementReport } from './results/measurement-report.js';
import { keyObjectSelection } from './results/key-objects.js';
import { type MapFrame, parametricMap } from './results/parametric-map.js';
import { KEY_SLICE_WINDOW, secondaryCapture } from './results/secondary-capture.js';
import type { StoredInstance } from './uploads.js';

/** Where results go: a PACS that stores Part 10 instances and answers with the SOPInstanceUIDs it kept. */
export interface ResultSink {
  store(instances: readonly Uint8Array[]): Promise<string[]>;
}

export interface PushedInstances {
  /** SOPInstanceUID of the TID 1500 SR. */
  sr: string;
  /** SOPInstanceUID of the Secondary Capture of the key slice. */
  secondaryCapture: string;
  /** SOPInstanceUID of the Parametric Map of the key slices' attributions (absent when the study is not assessed or the model cannot be explained). */
  parametricMap?: string;
  /** SOPInstanceUID of the Key Object Selection (absent when the study is not assessed). */
  keyObjects?: string;
  /** The label whose attribution the Secondary Capture shows, or null (with the reason) when there is none. */
  overlay: Label | null;
  noOverlay?: string;
}

export interface PushInput {
  study: StudyPrediction;
  model: { name: string; created: string };
  /** The instances analysed. */
  analysed: readonly StoredInstance[];
  attributions: Pick<SliceAttributions, 'unavailable' | 'overlay' | 'samples'>;
}

/** The key slice rendered for the Secondary Capture, and what ImageComments says of it. */
async function keySliceImage(p: PushInput): Promise<{ image: SliceImage; overlay: Label | null; description: string; noOverlay?: string }> {
  const { path, sop, any } = p.study.topSlice;
  const key = `Key slice (highest slice P(any) ${any.toFixed(3)}) in the ${KEY_SLICE_WINDOW} window`;
  const a = p.study.assessment;
  if (a?.status === 'not-assessed') return { image: await windowedSlice(path, KEY_SLICE_WINDOW), overlay: null, noOverlay: 'not assessed', description: `Not assessed: ${a.reason}. Slice in the ${KEY_SLICE_WINDOW} window, no probabilities` };
  const why = p.attributions.unavailable;
  if (why) return { image: await windowedSlice(path, KEY_SLICE_WINDOW), overlay: null, noOverlay: why, description: `${key}, without attribution overlay: ${why}` };
  const label = topSubtype(p.study);
  const overlay = await p.attributions.overlay(path, sop, LABELS.indexOf(label));
  const probability = reportedProbabilities(p.study).probs[label];
  return {
    image: await windowedSlice(path, KEY_SLICE_WINDOW, overlay),
    overlay: label,
    description: `${key}, with the expected-gradients attribution of ${label} (the most probable subtype, P ${probability.toFixed(3)}): red raises it, blue lowers it`,
  };
}

/** The Parametric Map of each key slice's attribution of its label, on the slices' own grid; frames of another size than the first key slice's are left out. */
async function attributionMap(p: PushInput, slices: ReturnType<typeof keySlices>['slices']): Promise<Record<string, unknown>> {
  const frames: MapFrame[] = [];
  for (const k of slices) {
    const slice = readInstance(k.path);
    const rows = Number(slice.Rows);
    const columns = Number(slice.Columns);
    if (frames.length && (rows !== Number(frames[0]!.slice.Rows) || columns !== Number(frames[0]!.slice.Columns))) continue;
    const overlay = await p.attributions.overlay(k.path, k.sop, LABELS.indexOf(k.label));
    frames.push({ slice, label: k.label, values: overlayOnGrid(overlay, rows, columns) });
  }
  return parametricMap({ frames, model: p.model, samples: p.attributions.samples });
}

/** The SR, Parametric Map, KOS and Secondary Capture of an analysed study, as data sets (dcmjs naturalized). */
export async function resultObjects(p: PushInput): Promise<{ sr: Record<string, unknown>; sc: Record<string, unknown>; pm?: Record<string, unknown>; kos?: Record<string, unknown>; overlay: Label | null; noOverlay?: string }> {
  const keySlice = readInstance(p.study.topSlice.path);
  const bySop = new Map(p.analysed.map((s) => [s.sop, s]));
  const { image, overlay, description, noOverlay } = await keySliceImage(p);
  const sr = measurementReport({ keySlice, study: p.study, model: p.model, evidence: p.analysed.map((s) => ({ sop: s.sop, series: s.series, sopClassUID: s.sopClassUID })) });
  const sc = secondaryCapture({ keySlice, image, model: p.model, description });
  if (p.study.assessment?.status === 'not-assessed') return { sr, sc, overlay, noOverlay };
  const key = keySlices(p.study);
  const located = key.slices.map((k) => ({ ...k, series: bySop.get(k.sop)?.series ?? String(keySlice.SeriesInstanceUID), sopClassUID: bySop.get(k.sop)?.sopClassUID ?? String(keySlice.SOPClassUID) }));
  const kos = keyObjectSelection({ source: keySlice, slices: located, positive: key.positive, model: p.model });
  const pm = p.attributions.unavailable ? undefined : await attributionMap(p, key.slices);
  return { sr, sc, kos, ...(pm ? { pm } : {}), overlay, ...(noOverlay ? { noOverlay } : {}) };
}

/** Makes the study's result objects and stores them in the PACS; fails unless the PACS confirms every one. */
export async function pushAnalysis(sink: ResultSink, p: PushInput): Promise<PushedInstances> {
  const o = await resultObjects(p);
  const datasets = [o.sr, o.sc, ...(o.pm ? [o.pm] : []), ...(o.kos ? [o.kos] : [])];
  const uid = (d?: Record<string, unknown>) => (d ? String(d.SOPInstanceUID) : undefined);
  const stored = await sink.store(datasets.map((d) => encodeDataset(d)));
  const missing = datasets.map((d) => uid(d)!).filter((u) => !stored.includes(u));
  if (missing.length) throw new Error(`the PACS did not confirm ${missing.join(', ')}`);
  return {
    sr: uid(o.sr)!, secondaryCapture: uid(o.sc)!, ...(o.pm ? { parametricMap: uid(o.pm) } : {}), ...(o.kos ? { keyObjects: uid(o.kos) } : {}),
    overlay: o.overlay, ...(o.noOverlay ? { noOverlay: o.noOverlay } : {}),
  };
}
