// The HTTP service (`ich serve`) as a library.
export { buildServer, worklist, type ServeOptions, type Serve } from './server.js';
export { ServeStore, STUDY_STATUSES, type StudyStatus, type StudyRow, type Recovery } from './store.js';
export { checkParts, stageInstances, writeInstances, instanceFile, type StoredInstance, type RefusedInstance, type AcceptedInstance, type StagedUpload } from './uploads.js';
export { DecodePool } from './decode-pool.js';
export { splitMultipart, multipartBoundary, stowRequest, RequestError, type BodyPart } from './multipart.js';
export { AnalysisQueue } from './analysis-queue.js';
export { pacsPull, findStudies, existingReport, type PullOptions, type PulledStudy } from './pacs.js';
export { DicomWeb } from './dicomweb.js';
export { pushAnalysis, type PushedInstances, type PushInput } from './push.js';
export { reportSr, reportedProbabilities, topSubtype, COMPREHENSIVE_SR_UID, type ReportInput } from './report-sr.js';
export { secondaryCapture, SECONDARY_CAPTURE_UID, type CaptureInput } from './secondary-capture.js';
export { NOT_FOR_DIAGNOSTIC_USE } from './derived.js';
export { SliceAttributions, notSliceWise, DEFAULT_OVERLAY_SAMPLES, type AttributionOptions } from './attributions.js';
export { windowedSlice, blendOverlay, pngOf, type Overlay, type SliceImage } from './render.js';
export { RemoteAnalysis, type RemoteAnalysisOptions } from './remote-analysis.js';
export { startDimse, part10, type DimseOptions, type DimseServer, type StoreOutcome } from './dimse.js';
export { QuietTimers, DEFAULT_QUIET_SECONDS } from './quiet-timers.js';
