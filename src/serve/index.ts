// The HTTP service (`ich serve`) as a library.
export { buildServer, worklist, type ServeOptions, type Serve } from './server.js';
export { ServeStore, STUDY_STATUSES, type StudyStatus, type StudyRow } from './store.js';
export { storeInstance, type StoredInstance, type RefusedInstance } from './uploads.js';
export { splitMultipart, multipartBoundary, RequestError, type BodyPart } from './multipart.js';
export { AnalysisQueue } from './analysis-queue.js';
export { pacsPull, findStudies, type PullOptions, type PulledStudy } from './pacs.js';
