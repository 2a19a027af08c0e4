export { readDicomHeader, readDicomFile, parseDicomFile, type DicomFile } from './read.js';
export { type DicomHeader, positionAlongNormal } from './header.js';
export { DicomError, type RejectCode } from './errors.js';
export { decodeFrame, type DecodedFrame, type StoredArray } from './codecs/index.js';
export { huFromStored, headerQuirks, hasRsnaWrap, type HuImage } from './hu.js';
export { loadSlice, type CtSlice, type LoadOptions } from './load.js';
export { type Quirk, type QuirkName, quirkDescriptions } from './quirks.js';
export { summarizeSlice, formatSummary, huStats, type SliceSummary } from './summary.js';
export { transferSyntax, supportedTransferSyntaxes, type TransferSyntax } from './syntax.js';
