// The HTTP service (`ich serve`) as a library.
export { buildServer, worklist, type ServeOptions, type Serve } from './server.js';
export { ServeStore, STUDY_STATUSES, type StudyStatus, type StudyRow } from './store.js';
export { storeInstance, type StoredInstance, type RefusedInstance } from './uploads.js';
export { splitMultipart, multipartBoundary, stowRequest, RequestError, type BodyPart } from './multipart.js';
export { AnalysisQueue } from './analysis-queue.js';
export { pacsPull, findStudies, existingReport, type PullOptions, type PulledStudy } from './pacs.js';
export { DicomWeb } from './dicomweb.js';
export { pushAnalysis, type PushedInstances, type PushInput } from './push.js';
export { reportSr, reportedProbabilities, topSubtype, COMPREHENSIVE_SR_UID, type ReportInput } from './report-sr.js';
export { secondaryCapture, SECONDARY_CAPTURE_UID, type CaptureInput } from './secondary-capture.js';
export { readDataset, readInstance, NOT_FOR_DIAGNOSTIC_USE } from './derived.js';
export { SliceAttributions, notSliceWise, DEFAULT_OVERLAY_SAMPLES, type AttributionOptions } from './attributions.js';
export { windowedSlice, renderSlicePng, blendOverlay, pngOf, type Overlay, type SliceImage } from './render.js';
export { RemoteAnalysis, type RemoteAnalysisOptions } from './remote-analysis.js';
