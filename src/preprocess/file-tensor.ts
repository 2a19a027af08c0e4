import { decodeFrame } from '../dicom/codecs/index.js';
import { huFromStored } from '../dicom/hu.js';
import { checkSliceHeader } from '../dicom/load.js';
import { readDicomFile } from '../dicom/read.js';
import { type TensorSpec, sliceTensor } from './tensor.js';

/** Reads, decodes and windows one CT file into its model input (C×N×N float32 in [0, 1]). Throws a DicomError. */
export async function fileTensor(path: string, spec: TensorSpec, out?: Float32Array): Promise<Float32Array> {
  const file = readDicomFile(path);
  checkSliceHeader(file.header, { requireCt: true });
  const frame = await decodeFrame(file, 0);
  return sliceTensor(huFromStored(frame, file.header), spec, out);
}
