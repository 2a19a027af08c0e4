import { type FileStamp, type HeaderRecord, headerRecord } from '../header-record.js';

/** Piscina task: read the headers of a batch of files. */
export default function readHeaders(stamps: FileStamp[]): HeaderRecord[] {
  return stamps.map(headerRecord);
}
