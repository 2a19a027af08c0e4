// `ich pacs pull`: studies from a PACS over DICOMweb (dicomweb.ts) — found by QIDO-RS (CT studies,
// optionally since a date), retrieved by WADO-RS, stored as the service stores uploads, analysed
// with a model folder, and with `push` stored back (push.ts): by STOW-RS, or by C-STORE to a dimse:// target.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { triageAny } from '../predict/studies.js';
import { Predictor } from '../predict/predictor.js';
import { type StudyPrediction } from '../predict/studies.js';
import { SliceAttributions } from './attributions.js';
import type { DicomJson } from 'dicomweb-client';
import { DicomWeb, jsonValue } from './dicomweb.js';
import { DCM } from './results/codes.js';
import { type PushedInstances, pushAnalysis, type ResultSink } from './push.js';
import { DimseSink, parseDimseTarget } from './dimse-push.js';
import { DecodePool } from './decode-pool.js';
import { checkParts, type RefusedInstance, studyResult, writeInstances } from './uploads.js';

export interface PullOptions {
  /** DICOMweb root, e.g. http://pacs:8042/dicom-web */
  url: string;
  /** One study; without it every CT study (since `since`). */
  study?: string;
  /** YYYYMMDD or YYYY-MM-DD: studies on or after this date. */
  since?: string;
  model: string;
  /** Retrieved instances (instances/) and one result JSON per study (results/). */
  out: string;
  /** Bearer token for the PACS, when it needs one. */
  token?: string;
  threads?: number;
  /** Store each analysed study's results back (SR, Parametric Map, KOS, Secondary Capture): `true` into the PACS by STOW-RS, or `dimse://AET@host:port` by C-STORE. */
  push?: boolean | string;
  /** Our calling AE title for a DIMSE push (default ICHDETECT). */
  aeTitle?: string;
  /** Expected-gradient samples of the pushed key slice's overlay (default DEFAULT_OVERLAY_SAMPLES). */
  overlaySamples?: number;
  onStudy?: (uid: string, done: number, total: number) => void;
}

export interface PulledStudy {
  studyInstanceUID: string;
  instances: number;
  refused: RefusedInstance[];
  /** The study-level result (undefined when no instance could be analysed). */
  study?: StudyPrediction;
  /** OUT/results/<hash>.json: per-slice and study-level results (and `pushed`). */
  result: string;
  /** With `push`: what was stored back into the PACS. */
  pushed?: PushedInstances;
  /** With `push`: the SOPInstanceUID of the SR this model (same name and version) had already stored in the study; nothing is pushed again. */
  alreadyReported?: string;
}

/** WADO-RS of the study's CT series only (QIDO-RS finds them): reports, key images and scouts of other modalities stay in the PACS. */
async function retrieveCt(pacs: DicomWeb, study: string): Promise<Buffer[]> {
  const series = (await pacs.searchSeries(study, { Modality: 'CT' })).map((s) => jsonValue(s, '0020000E')).filter((u): u is string => typeof u === 'string');
  const parts: Buffer[] = [];
  for (const uid of series) parts.push(...(await pacs.retrieveSeries(study, uid)));
  return parts;
}

/** The values of the TEXT items of an SR content tree (DICOM JSON) whose concept has code value `code`, at any depth. */
function srTexts(items: DicomJson[], code: string): unknown[] {
  return items.flatMap((i) => [
    ...(jsonValue(jsonValue(i, '0040A043') as DicomJson, '00080100') === code ? [jsonValue(i, '0040A160')] : []),
    ...srTexts((i['0040A730']?.Value ?? []) as DicomJson[], code),
  ]);
}

/** The SOPInstanceUID of an SR in the study that this model (name and version) already made, if any. */
export async function existingReport(pacs: DicomWeb, study: string, model: { name: string; created: string }): Promise<string | undefined> {
  for (const s of await pacs.searchSeries(study, { Modality: 'SR' })) {
    const series = jsonValue(s, '0020000E');
    if (typeof series !== 'string') continue;
    for (const sr of await pacs.seriesMetadata(study, series)) {
      const items = (sr['0040A730']?.Value ?? []) as DicomJson[];
      if (srTexts(items, DCM.algorithmName.CodeValue).includes(model.name) && srTexts(items, DCM.algorithmVersion.CodeValue).includes(model.created)) return jsonValue(sr, '00080018') as string;
    }
  }
  return undefined;
}

/** QIDO-RS: the StudyInstanceUIDs of the CT studies (on or after `since`). */
export async function findStudies(url: string, opts: { since?: string; token?: string } = {}): Promise<string[]> {
  const since = opts.since?.replace(/-/g, '');
  if (since !== undefined && !/^\d{8}$/.test(since)) throw new Error(`--since ${opts.since}: expected a date, YYYYMMDD or YYYY-MM-DD`);
  const studies = await new DicomWeb(url, opts.token).searchStudies({ ModalitiesInStudy: 'CT', ...(since ? { StudyDate: `${since}-` } : {}) });
  return studies.map((s) => jsonValue(s, '0020000D')).filter((u): u is string => typeof u === 'string');
}

/** Pulls and analyses studies; returns them most urgent first. */
export async function pacsPull(o: PullOptions): Promise<PulledStudy[]> {
  const out = resolve(o.out);
  const uids = o.study ? [o.study] : await findStudies(o.url, o);
  const pacs = new DicomWeb(o.url, o.token);
  const sink: ResultSink = typeof o.push === 'string' ? new DimseSink(parseDimseTarget(o.push), o.aeTitle) : pacs;
  const predictor = await Predictor.open(o.model, { threads: o.threads });
  const decoder = new DecodePool();
  const attributions = o.push ? new SliceAttributions(o.model, out, { samples: o.overlaySamples, threads: o.threads, decoder }) : undefined;
  const pulled: PulledStudy[] = [];
  try {
    for (const [k, uid] of uids.entries()) {
      const parts = (await retrieveCt(pacs, uid)).map((body) => ({ body }));
      const { accepted, refused } = await checkParts(decoder, parts);
      const stored = writeInstances(out, accepted);
      const prediction = await predictor.predict(stored.map((s) => s.path));
      const study = prediction.studies[0];
      const analysed = new Set(prediction.slices.map((x) => x.sop));
      const model = { name: prediction.card.architecture.name, created: prediction.card.created };
      const reported = attributions && study ? await existingReport(pacs, uid, model) : undefined;
      const pushed = attributions && study && !reported ? await pushAnalysis(sink, { study, model, analysed: stored.filter((x) => analysed.has(x.sop)), attributions }) : undefined;
      mkdirSync(join(out, 'results'), { recursive: true });
      const result = join(out, 'results', `${createHash('sha256').update(uid).digest('hex').slice(0, 16)}.json`);
      const pushInfo = { ...(pushed ? { pushed } : {}), ...(reported ? { alreadyReported: reported } : {}) };
      writeFileSync(result, JSON.stringify({ studyInstanceUID: uid, ...studyResult(prediction), refused, ...pushInfo }, null, 1) + '\n');
      pulled.push({ studyInstanceUID: uid, instances: parts.length, refused, study, result, ...pushInfo });
      o.onStudy?.(uid, k + 1, uids.length);
    }
  } finally {
    await predictor.close();
    await attributions?.close();
    await decoder.close();
  }
  const urgency = (s: PulledStudy) => (s.study ? triageAny(s.study) : -1);
  return pulled.sort((a, b) => urgency(b) - urgency(a));
}
