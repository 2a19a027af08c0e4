// The analysis of one study as a DICOM Comprehensive SR (PS3.3 A.35.3): the model that made it,
// each label's study probability as a NUM, the key slice as an IMAGE reference, and the warning
// that it is not for diagnostic use. UNVERIFIED: no physician has read it.
import { LABELS, type Label } from '../data/labels.js';
import type { StudyPrediction } from '../predict/studies.js';
import { formatDecimalString } from '../dicom/write.js';
import { derivedHeader, NOT_FOR_DIAGNOSTIC_USE, NOT_FOR_DIAGNOSTIC_USE_SENTENCE } from './derived.js';

export const COMPREHENSIVE_SR_UID = '1.2.840.10008.5.1.4.1.1.88.33';
/** The private coding scheme of ichdetect's own concepts (PS3.16 8.2: designators starting with 99). */
export const ICHDETECT_SCHEME = '99ICHDETECT';
const SR_SERIES_NUMBER = 9901;
/** DCM codes of the algorithm's identification (PS3.16 TID 4019). */
export const ALGORITHM_NAME = '111001';
export const ALGORITHM_VERSION = '111003';

const LABEL_MEANINGS: Record<Label, string> = {
  any: 'Probability of intracranial hemorrhage (any type)',
  epidural: 'Probability of epidural hemorrhage',
  intraparenchymal: 'Probability of intraparenchymal hemorrhage',
  intraventricular: 'Probability of intraventricular hemorrhage',
  subarachnoid: 'Probability of subarachnoid hemorrhage',
  subdural: 'Probability of subdural hemorrhage',
};

const code = (value: string, scheme: string, meaning: string) => [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];

/** A study's probabilities as reported: calibrated at study level when the model has a calibration, else each label's maximum over the slices. */
export function reportedProbabilities(study: StudyPrediction): { probs: Record<Label, number>; calibrated: boolean } {
  return study.calibrated ? { probs: study.calibrated, calibrated: true } : { probs: study.perLabel, calibrated: false };
}

/** The most probable subtype of a study (not `any`), by its reported probabilities. */
export function topSubtype(study: StudyPrediction): Label {
  const { probs } = reportedProbabilities(study);
  return LABELS.slice(1).reduce((best, l) => (probs[l] > probs[best] ? l : best), LABELS[1]);
}

export interface ReportInput {
  /** The key slice's attributes (readInstance): patient, study, and the image the report references. */
  keySlice: Record<string, unknown>;
  study: StudyPrediction;
  model: { name: string; created: string };
  /** The instances analysed (PS3.3 C.17.2: the Current Requested Procedure Evidence). */
  evidence: readonly { sop: string; series: string; sopClassUID: string }[];
}

/**
 * The SR's data set (dcmjs naturalized); encode with encodeDataset. A study that is not assessed
 * (mostly out of the model's training distribution) carries no probabilities: a TEXT "Not assessed"
 * with the reason stands in their place; slices left out for input conformance are named in a TEXT.
 */
export function reportSr(r: ReportInput, now = new Date()): Record<string, unknown> {
  const { probs, calibrated } = reportedProbabilities(r.study);
  const assessment = r.study.assessment;
  const notAssessed = assessment?.status === 'not-assessed';
  const comment = `${NOT_FOR_DIAGNOSTIC_USE_SENTENCE} Unverified output of the research model ${r.model.name}. `
    + (notAssessed ? 'The study was not assessed.' : calibrated ? 'Probabilities are calibrated at study level.' : 'Probabilities are each label\'s highest slice score (not calibrated).');
  const item = (relationship: string, valueType: string, concept: ReturnType<typeof code>, value: Record<string, unknown>) => ({ RelationshipType: relationship, ValueType: valueType, ConceptNameCodeSequence: concept, ...value });
  const series = new Map<string, { ReferencedSOPClassUID: string; ReferencedSOPInstanceUID: string }[]>();
  for (const e of r.evidence) series.set(e.series, [...(series.get(e.series) ?? []), { ReferencedSOPClassUID: e.sopClassUID, ReferencedSOPInstanceUID: e.sop }]);
  return {
    ...derivedHeader(r.keySlice, { sopClassUID: COMPREHENSIVE_SR_UID, modality: 'SR', seriesNumber: SR_SERIES_NUMBER, seriesDescription: `ichdetect hemorrhage report, ${NOT_FOR_DIAGNOSTIC_USE}`, model: r.model }, now),
    ReferencedPerformedProcedureStepSequence: [],
    PerformedProcedureCodeSequence: [],
    CompletionFlag: 'COMPLETE',
    CompletionFlagDescription: `every label of ${r.model.name}; ${NOT_FOR_DIAGNOSTIC_USE}`.slice(0, 64),
    VerificationFlag: 'UNVERIFIED',
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: ICHDETECT_SCHEME, CodingSchemeName: 'ichdetect concepts', CodingSchemeResponsibleOrganization: 'ichdetect' }],
    CurrentRequestedProcedureEvidenceSequence: [{
      StudyInstanceUID: r.keySlice.StudyInstanceUID,
      ReferencedSeriesSequence: [...series].map(([uid, sops]) => ({ SeriesInstanceUID: uid, ReferencedSOPSequence: sops })),
    }],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: code('126000', 'DCM', 'Imaging Measurement Report'),
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [
      item('HAS OBS CONTEXT', 'TEXT', code(ALGORITHM_NAME, 'DCM', 'Algorithm Name'), { TextValue: r.model.name }),
      item('HAS OBS CONTEXT', 'TEXT', code(ALGORITHM_VERSION, 'DCM', 'Algorithm Version'), { TextValue: r.model.created }),
      item('CONTAINS', 'TEXT', code('121106', 'DCM', 'Comment'), { TextValue: comment }),
      ...(notAssessed
        ? [item('CONTAINS', 'TEXT', code('not-assessed', ICHDETECT_SCHEME, 'Not assessed'), { TextValue: `Not assessed: ${assessment!.reason ?? 'out of the model\'s training distribution'}. No probabilities are reported.` })]
        : LABELS.map((l) => item('CONTAINS', 'NUM', code(l, ICHDETECT_SCHEME, LABEL_MEANINGS[l]), {
          MeasuredValueSequence: [{ NumericValue: formatDecimalString(probs[l]), MeasurementUnitsCodeSequence: code('{probability}', 'UCUM', 'probability') }],
        }))),
      ...(assessment?.leftOut ? [item('CONTAINS', 'TEXT', code('left-out', ICHDETECT_SCHEME, 'Slices left out (input conformance)'), { TextValue: `${assessment.leftOut} slices were left out of the analysis: ${Object.entries(assessment.leftOutReasons).map(([c, n]) => `${c} ${n}`).join(', ')}.` })] : []),
      item('CONTAINS', 'IMAGE', code('key-slice', ICHDETECT_SCHEME, 'Key slice (highest P(any))'), {
        ReferencedSOPSequence: [{ ReferencedSOPClassUID: r.keySlice.SOPClassUID, ReferencedSOPInstanceUID: r.keySlice.SOPInstanceUID }],
      }),
    ],
  };
}
