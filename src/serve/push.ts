// `ich pacs pull --push`: an analysed study goes back to its PACS as two new instances in its own
// study — a Comprehensive SR of the results (report-sr.ts) and a Secondary Capture of the key slice
// with its attribution overlay (secondary-capture.ts) — in one STOW-RS request.
import { LABELS, type Label } from '../data/labels.js';
import { encodeDataset } from '../dicom/write.js';
import type { StudyPrediction } from '../predict/studies.js';
import type { SliceAttributions } from './attributions.js';
import { readInstance } from '../dicom/naturalized.js';
import type { DicomWeb } from './dicomweb.js';
import { type SliceImage, windowedSlice } from './render.js';
import { reportedProbabilities, reportSr, topSubtype } from './report-sr.js';
import { KEY_SLICE_WINDOW, secondaryCapture } from './secondary-capture.js';
import type { StoredInstance } from './uploads.js';

export interface PushedInstances {
  /** SOPInstanceUID of the Comprehensive SR. */
  sr: string;
  /** SOPInstanceUID of the Secondary Capture of the key slice. */
  secondaryCapture: string;
  /** The label whose attribution the Secondary Capture shows, or null (with the reason) when the model cannot be explained. */
  overlay: Label | null;
  noOverlay?: string;
}

export interface PushInput {
  study: StudyPrediction;
  model: { name: string; created: string };
  /** The instances analysed. */
  analysed: readonly StoredInstance[];
  attributions: Pick<SliceAttributions, 'unavailable' | 'overlay'>;
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

/** Makes the SR and the Secondary Capture of an analysed study and stores them in the PACS. */
export async function pushAnalysis(pacs: DicomWeb, p: PushInput): Promise<PushedInstances> {
  const keySlice = readInstance(p.study.topSlice.path);
  const { image, overlay, description, noOverlay } = await keySliceImage(p);
  const sr = reportSr({ keySlice, study: p.study, model: p.model, evidence: p.analysed.map((s) => ({ sop: s.sop, series: s.series, sopClassUID: s.sopClassUID })) });
  const sc = secondaryCapture({ keySlice, image, model: p.model, description });
  const uids = [String(sr.SOPInstanceUID), String(sc.SOPInstanceUID)];
  const stored = await pacs.store([encodeDataset(sr), encodeDataset(sc)]);
  const missing = uids.filter((u) => !stored.includes(u));
  if (missing.length) throw new Error(`STOW-RS: the PACS did not confirm ${missing.join(', ')}`);
  return { sr: uids[0]!, secondaryCapture: uids[1]!, overlay, ...(noOverlay ? { noOverlay } : {}) };
}
