export { openIndexDb, getMeta, setMeta, LABEL_COLUMNS, type Db } from './db.js';
export { LABELS, LABEL_COUNT, type Label, readLabelsCsv, parseLabelsCsv, describeLabelReport, formatLabelRows, splitLabelId, LabelCollector, type LabelTable, type LabelReport } from './labels.js';
export { indexDirectory, rankSeries, type IndexOptions, type IndexRun } from './index-dir.js';
export { summarizeIndex, type IndexSummary } from './summary.js';
export { splitPatients, summarizeSplit, PARTS, type Part, type SplitOptions, type SplitSummary } from './split.js';
export { preprocessIndex, cacheInfo, cacheKey, type CacheInfo, type PreprocessOptions, type PreprocessSummary } from './cache.js';
export { TensorReader } from './tensor-reader.js';
export { scanForDicom } from './scan.js';
export { seededRandom, shuffleInPlace } from './random.js';
