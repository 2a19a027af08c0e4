import { checkedWords, type EncodeFrameInfo } from './encode-samples.js';
import { type WasmEncoder, WasmEncoderModule } from './wasm-encoder.js';

interface OpenJpegEncoder extends WasmEncoder {
  setDecompositions(decompositions: number): void;
  setQuality(lossless: boolean, layers: number): void;
}

const openjpeg = new WasmEncoderModule<{ J2KEncoder: new () => OpenJpegEncoder }>('@cornerstonejs/codec-openjpeg/wasmjs', 'JPEG 2000 (OpenJPEG)');

/** Wavelet levels: OpenJPEG's default 5, fewer for frames too small for them (it needs 2^levels ≤ each side). */
function decompositions(rows: number, columns: number): number {
  return Math.min(5, Math.floor(Math.log2(Math.min(rows, columns))));
}

/**
 * Encodes one greyscale frame as a lossless JPEG 2000 codestream (J2K, no JP2 box) with OpenJPEG,
 * for JPEG 2000 Lossless (1.2.840.10008.1.2.4.90): reversible 5/3 wavelet, one quality layer, no
 * colour transform, precision BitsStored, and a signed component when PixelRepresentation is 1 (so
 * unlike JPEG and JPEG-LS the codestream itself carries the sign). BitsStored must be 9 to 16.
 */
export async function encodeJ2kFrame(pixels: Int16Array | Uint16Array, info: EncodeFrameInfo): Promise<Uint8Array> {
  const words = checkedWords(pixels, info);
  const mod = await openjpeg.load();
  const frameInfo = { width: info.columns, height: info.rows, bitsPerSample: info.bitsStored, componentCount: 1, isSigned: info.pixelRepresentation === 1 };
  return openjpeg.encode(() => new mod.J2KEncoder(), frameInfo, words, (encoder) => {
    encoder.setQuality(true, 1);
    encoder.setDecompositions(decompositions(info.rows, info.columns));
  });
}
