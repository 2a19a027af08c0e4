// The key slices of a study as a Key Object Selection document (PS3.3 A.35.4, TID 2010): "Of
// Interest", with a description of which label each slice drives and at what probability, so a PACS
// can flag the study and open it at those slices.
import { DCM, ENGLISH } from './codes.js';
import { derivedHeader, deviceUid, MANUFACTURER, NOT_FOR_DIAGNOSTIC_USE, NOT_FOR_DIAGNOSTIC_USE_SENTENCE } from './derived.js';
import type { KeySlice } from './key-slices.js';
import { coded, image, text, uidRef } from './sr-items.js';

export const KEY_OBJECT_SELECTION_UID = '1.2.840.10008.5.1.4.1.1.88.59';
const KO_SERIES_NUMBER = 9904;

export interface KeyObjectInput {
  /** A source slice's attributes (readInstance): patient and study. */
  source: Record<string, unknown>;
  /** The key slices, with their series and SOP class. */
  slices: readonly (KeySlice & { series: string; sopClassUID: string })[];
  /** Whether the slices drive labels present at the operating point (else the one slice of highest P(any)). */
  positive: boolean;
  model: { name: string; created: string };
}

/** The KOS data set (dcmjs naturalized); encode with encodeDataset. One IMAGE per distinct slice. */
export function keyObjectSelection(k: KeyObjectInput, now = new Date()): Record<string, unknown> {
  if (k.slices.length === 0) throw new Error('a Key Object Selection needs at least one slice');
  const distinct = [...new Map(k.slices.map((s) => [s.sop, s])).values()];
  const drives = k.slices.map((s) => `${s.label} ${s.probability.toFixed(3)}`).join(', ');
  const description = `${k.positive ? `Slices driving the labels present (slice probability): ${drives}` : `No label is present; the slice with the highest P(any) (${k.slices[0]!.probability.toFixed(3)})`}. ${NOT_FOR_DIAGNOSTIC_USE_SENTENCE}`;
  const series = new Map<string, typeof distinct>();
  for (const s of distinct) series.set(s.series, [...(series.get(s.series) ?? []), s]);
  return {
    ...derivedHeader(k.source, { sopClassUID: KEY_OBJECT_SELECTION_UID, modality: 'KO', seriesNumber: KO_SERIES_NUMBER, seriesDescription: `ichdetect key slices, ${NOT_FOR_DIAGNOSTIC_USE}`, model: k.model }, now),
    ReferencedPerformedProcedureStepSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [{
      StudyInstanceUID: k.source.StudyInstanceUID,
      ReferencedSeriesSequence: [...series].map(([uid, sops]) => ({ SeriesInstanceUID: uid, ReferencedSOPSequence: sops.map((s) => ({ ReferencedSOPClassUID: s.sopClassUID, ReferencedSOPInstanceUID: s.sop })) })),
    }],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [DCM.ofInterest],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    ContentSequence: [
      coded('HAS CONCEPT MOD', DCM.language, ENGLISH),
      coded('HAS OBS CONTEXT', DCM.observerType, DCM.device),
      uidRef('HAS OBS CONTEXT', DCM.deviceObserverUid, deviceUid(k.model)),
      text('HAS OBS CONTEXT', DCM.deviceObserverManufacturer, MANUFACTURER),
      text('HAS OBS CONTEXT', DCM.deviceObserverModelName, k.model.name),
      text('CONTAINS', DCM.keyObjectDescription, description),
      ...distinct.map((s) => image('CONTAINS', s)),
    ],
  };
}
