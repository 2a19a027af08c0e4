// The analysis of one study as a TID 1500 Imaging Measurement Report in a Comprehensive SR
// (PS3.3 A.35.3, PS3.16 TID 1500): language, the model as the device observer, CT of head as the
// procedure reported, an Image Library (TID 1600) of the analysed images, and one measurement group
// (TID 1501) per label — tracking identifier and UID, the finding (SNOMED CT), the algorithm, the
// probability as a NUM inferred from the key slices, and present / absent at the operating point.
// UNVERIFIED, not for diagnostic use. A study not assessed carries no probabilities: a TEXT says why.
import { LABELS, type Label } from '../../data/labels.js';
import type { StudyPrediction } from '../../predict/studies.js';
import { formatDecimalString } from '../../dicom/write.js';
import { uidFromName } from '../../dicom/write-uids.js';
import { ABSENT, CT_OF_HEAD, DCM, ENGLISH, FINDINGS, NO_UNITS, PRESENT, PRIVATE_SCHEMES } from './codes.js';
import { derivedHeader, deviceUid, MANUFACTURER, NOT_FOR_DIAGNOSTIC_USE, NOT_FOR_DIAGNOSTIC_USE_SENTENCE } from './derived.js';
import { OPERATING_POINT, reportedProbabilities } from './key-slices.js';
import { coded, container, image, type Instance, type Item, num as numItem, text, uidRef } from './sr-items.js';

export const COMPREHENSIVE_SR_UID = '1.2.840.10008.5.1.4.1.1.88.33';
const SR_SERIES_NUMBER = 9901;

export interface ReportInput {
  /** The key slice's attributes (readInstance): patient, study, and the image the report references. */
  keySlice: Record<string, unknown>;
  study: StudyPrediction;
  model: { name: string; created: string };
  /** The instances analysed: the Image Library, and the Current Requested Procedure Evidence (PS3.3 C.17.2). */
  evidence: readonly Instance[];
}

/** A tracking UID that stays the same for the same study, label and model: a later report on the study tracks the same finding. */
export const trackingUid = (study: string, label: Label, model: ReportInput['model']) => uidFromName(`ichdetect ${model.name} ${model.created} ${study} ${label}`);

/** TID 1501 for one label: tracking, finding, algorithm, probability and present/absent, or the reason there are none. */
function measurementGroup(r: ReportInput, label: Label, bySop: Map<string, Instance>): Item {
  const study = String(r.keySlice.StudyInstanceUID);
  const { probs } = reportedProbabilities(r.study);
  const notAssessed = r.study.assessment?.status === 'not-assessed';
  const keys = (r.study.drivers[label] ?? []).slice(0, 1).map((d) => bySop.get(d.sop)).filter((i): i is Instance => !!i);
  const p = probs[label];
  const num = numItem('CONTAINS', DCM.probability, p, NO_UNITS);
  num.MeasuredValueSequence = [{ NumericValue: formatDecimalString(p), FloatingPointValue: p, MeasurementUnitsCodeSequence: [NO_UNITS] }];
  num.ContentSequence = keys.map((k) => image('INFERRED FROM', k, DCM.sourceOfMeasurement));
  return container('CONTAINS', DCM.measurementGroup, [
    text('HAS OBS CONTEXT', DCM.trackingIdentifier, `${label} hemorrhage (${r.model.name})`.slice(0, 64)),
    uidRef('HAS OBS CONTEXT', DCM.trackingUid, trackingUid(study, label, r.model)),
    coded('CONTAINS', DCM.finding, FINDINGS[label]),
    text('HAS CONCEPT MOD', DCM.algorithmName, r.model.name),
    text('HAS CONCEPT MOD', DCM.algorithmVersion, r.model.created),
    ...(notAssessed
      ? [text('CONTAINS', DCM.comment, `Not assessed: ${r.study.assessment!.reason ?? 'out of the model\'s training distribution'}. No probabilities are reported.`)]
      : [num, coded('CONTAINS', FINDINGS[label], p >= OPERATING_POINT ? PRESENT : ABSENT)]),
  ], '1501');
}

/** The SR's data set (dcmjs naturalized); encode with encodeDataset. */
export function measurementReport(r: ReportInput, now = new Date()): Record<string, unknown> {
  const { calibrated } = reportedProbabilities(r.study);
  const assessment = r.study.assessment;
  const notAssessed = assessment?.status === 'not-assessed';
  const comment = `${NOT_FOR_DIAGNOSTIC_USE_SENTENCE} Unverified output of the research model ${r.model.name}. `
    + (notAssessed ? 'The study was not assessed.' : `${calibrated ? 'Probabilities are calibrated at study level' : 'Probabilities are each label\'s highest slice score (not calibrated)'}; a finding is present at probability ${OPERATING_POINT} or more.`);
  const series = new Map<string, Instance[]>();
  for (const e of r.evidence) series.set(e.series, [...(series.get(e.series) ?? []), e]);
  const bySop = new Map(r.evidence.map((e) => [e.sop, e]));
  const model = r.model;
  const header = derivedHeader(r.keySlice, { sopClassUID: COMPREHENSIVE_SR_UID, modality: 'SR', seriesNumber: SR_SERIES_NUMBER, seriesDescription: `ichdetect hemorrhage report, ${NOT_FOR_DIAGNOSTIC_USE}`, model }, now);
  // The root: its content item attributes go into the data set itself, without a relationship.
  const root = container('CONTAINS', DCM.imagingMeasurementReport, [
    coded('HAS CONCEPT MOD', DCM.language, ENGLISH),
    coded('HAS OBS CONTEXT', DCM.observerType, DCM.device),
    uidRef('HAS OBS CONTEXT', DCM.deviceObserverUid, deviceUid(model)),
    text('HAS OBS CONTEXT', DCM.deviceObserverName, `ichdetect ${model.name}`.slice(0, 64)),
    text('HAS OBS CONTEXT', DCM.deviceObserverManufacturer, MANUFACTURER),
    text('HAS OBS CONTEXT', DCM.deviceObserverModelName, model.name),
    coded('HAS CONCEPT MOD', DCM.procedureReported, CT_OF_HEAD),
    container('CONTAINS', DCM.imageLibrary, [...series.values()].map((images) => container('CONTAINS', DCM.imageLibraryGroup, images.map((i) => image('CONTAINS', i))))),
    container('CONTAINS', DCM.imagingMeasurements, LABELS.map((l) => measurementGroup(r, l, bySop))),
    container('CONTAINS', DCM.qualitativeEvaluations, [
      text('CONTAINS', DCM.comment, comment),
      ...(assessment?.leftOut ? [text('CONTAINS', DCM.comment, `${assessment.leftOut} slices were left out of the analysis (input conformance): ${Object.entries(assessment.leftOutReasons).map(([c, n]) => `${c} ${n}`).join(', ')}.`)] : []),
    ]),
  ], '1500');
  const { ValueType, ConceptNameCodeSequence, ContinuityOfContent, ContentTemplateSequence, ContentSequence } = root;
  return {
    ...header,
    ReferencedPerformedProcedureStepSequence: [],
    PerformedProcedureCodeSequence: [],
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    CodingSchemeIdentificationSequence: PRIVATE_SCHEMES,
    CurrentRequestedProcedureEvidenceSequence: [{
      StudyInstanceUID: r.keySlice.StudyInstanceUID,
      ReferencedSeriesSequence: [...series].map(([uid, sops]) => ({ SeriesInstanceUID: uid, ReferencedSOPSequence: sops.map((s) => ({ ReferencedSOPClassUID: s.sopClassUID, ReferencedSOPInstanceUID: s.sop })) })),
    }],
    ValueType, ConceptNameCodeSequence, ContinuityOfContent, ContentTemplateSequence, ContentSequence,
  };
}
