import { decodeFrame } from '../dicom/codecs/index.js';
import { huFromStored } from '../dicom/hu.js';
import { checkSliceHeader } from '../dicom/load.js';
import { type ReadBuffer, readDicomFile } from '../dicom/read.js';
import { type TensorSpec, sliceTensor, storedSliceTensor } from './tensor.js';

const scratch = { read: { bytes: Buffer.alloc(0) } as ReadBuffer, hu: new Float32Array(0) };

/**
 * Reads, decodes and windows one CT file into its model input (C×N×N float32 in [0, 1]). Throws a
 * DicomError. File bytes and HU go through buffers reused across calls (one allocation per thread,
 * not per slice).
 */
export async function fileTensor(path: string, spec: TensorSpec, out?: Float32Array): Promise<Float32Array> {
  const file = readDicomFile(path, scratch.read);
  checkSliceHeader(file.header, { requireCt: true });
  const frame = await decodeFrame(file, 0);
  const direct = storedSliceTensor(frame, file.header, spec, out);
  if (direct) return direct;
  const n = file.header.rows * file.header.columns;
  if (scratch.hu.length < n) scratch.hu = new Float32Array(n);
  return sliceTensor(huFromStored(frame, file.header, scratch.hu), spec, out);
}
