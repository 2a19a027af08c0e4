import { join } from 'node:path';
import { encodeFrame } from '../../dicom/codecs/encode.js';
import { writeCtSlice } from '../../dicom/write.js';
import { LABELS } from '../labels.js';
import { acquire } from './acquire.js';
import { type StudyMasks, maskRuns, writeStudyMasks } from './masks.js';
import { type StudyPlan, SUBTYPES } from './plan.js';
import { Rng } from '../../shared/rng.js';
import { renderSlice } from './render.js';

/** What writing one study produced. */
export interface StudyResult {
  index: number;
  studyInstanceUID: string;
  /** Files written, relative to the data set folder. */
  files: string[];
  /** RSNA label rows (`ID_<sop>_<subtype>,0|1`), six per slice in RSNA's subtype order. */
  labelRows: string[];
  slices: number;
  positiveSlices: number;
  storage: string;
}

const RSNA_ROW_ORDER = ['epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural', 'any'] as const;

function storageName(plan: StudyPlan): string {
  const s = plan.storage;
  const kind = s.rsnaWrap ? 'rsna-12bit-wrap' : `${s.pixelRepresentation ? 'signed' : 'unsigned'}-${s.bitsStored}bit-slope${s.rescaleSlope}-intercept${s.rescaleIntercept}`;
  return `${kind}${s.padding !== undefined ? '-padded' : ''}${s.compression ? `-${s.compression}` : ''}`;
}

/**
 * Renders, acquires and writes every slice of a study as `images/<SOPInstanceUID>.dcm` (CT Image
 * Storage, compressed when the plan says so) and its masks as `masks/<StudyInstanceUID>.json`.
 * Labels come from the masks: a subtype is 1 exactly when its mask is non-empty; `any` is their OR.
 */
export async function writeStudy(plan: StudyPlan, dir: string): Promise<StudyResult> {
  const h = plan.head;
  const n = h.size * h.size;
  const rng = new Rng(plan.seed ^ 0x5eed);
  const buffers = { hu: new Float32Array(n), tissue: new Uint8Array(n), masks: {} };
  const scratch = new Float32Array(n);
  const s = plan.storage;
  const stored = s.pixelRepresentation === 1 ? new Int16Array(n) : new Uint16Array(n);
  const masks: StudyMasks = { rows: h.size, columns: h.size, slices: {} };
  const result: StudyResult = { index: plan.index, studyInstanceUID: plan.studyInstanceUID, files: [], labelRows: [], slices: plan.slices, positiveSlices: 0, storage: storageName(plan) };
  const origin = -(h.size / 2) * h.spacing;
  for (let i = 0; i < plan.slices; i++) {
    const sop = plan.sopInstanceUIDs[i]!;
    const slice = renderSlice(plan, i, buffers);
    const runs: StudyMasks['slices'][string] = {};
    const labels = new Map<string, number>(LABELS.map((l) => [l, 0]));
    for (const subtype of SUBTYPES) {
      const mask = slice.masks[subtype];
      const r = mask ? maskRuns(mask) : [];
      if (r.length) {
        runs[subtype] = r;
        labels.set(subtype, 1);
        labels.set('any', 1);
      }
    }
    masks.slices[sop] = runs;
    result.positiveSlices += labels.get('any')!;
    result.labelRows.push(...RSNA_ROW_ORDER.map((l) => `${sop}_${l},${labels.get(l)}`));
    acquire(slice.hu, h.size, s, rng, scratch, stored, h.styleB?.motion);
    const info = { rows: h.size, columns: h.size, bitsStored: s.bitsStored, pixelRepresentation: s.pixelRepresentation };
    const pixels = s.compression ? await encodeFrame(s.compression, stored, info) : stored;
    const file = join('images', `${sop}.dcm`);
    writeCtSlice(join(dir, file), {
      sopInstanceUID: sop,
      studyInstanceUID: plan.studyInstanceUID,
      seriesInstanceUID: plan.seriesInstanceUID,
      patientID: plan.patientID,
      ...info,
      rescaleSlope: s.rescaleSlope,
      rescaleIntercept: s.rescaleIntercept,
      windowCenter: s.multiValuedWindow ? [40, 40] : 40,
      windowWidth: s.multiValuedWindow ? [80, 80] : 80,
      pixelSpacing: [h.spacing, h.spacing],
      sliceThickness: plan.sliceSpacing,
      imagePositionPatient: [origin, origin, plan.z0 + i * plan.sliceSpacing],
      imageOrientationPatient: [1, 0, 0, 0, 1, 0],
      instanceNumber: plan.reverseInstanceNumbers ? plan.slices - i : i + 1,
      pixelPaddingValue: s.padding,
      pixels,
    });
    result.files.push(file);
  }
  writeStudyMasks(join(dir, 'masks'), plan.studyInstanceUID, masks);
  return result;
}
