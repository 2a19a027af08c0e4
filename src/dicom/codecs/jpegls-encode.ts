import { checkedWords, type EncodeFrameInfo, unsignedCodestreamPrecision } from './encode-samples.js';
import { type WasmEncoder, WasmEncoderModule } from './wasm-encoder.js';

interface CharlsEncoder extends WasmEncoder {
  setNearLossless(near: number): void;
}

const charls = new WasmEncoderModule<{ JpegLSEncoder: new () => CharlsEncoder }>('@cornerstonejs/codec-charls/wasmjs', 'JPEG-LS (CharLS)');

/**
 * Encodes one greyscale frame as a lossless JPEG-LS codestream (NEAR = 0) with CharLS, for JPEG-LS
 * Lossless (1.2.840.10008.1.2.4.80). JPEG-LS samples are unsigned: the precision is BitsStored for
 * unsigned values and 16 for signed ones, coded as their two's-complement words (see
 * unsignedCodestreamPrecision). BitsStored must be 9 to 16.
 */
export async function encodeJpegLsFrame(pixels: Int16Array | Uint16Array, info: EncodeFrameInfo): Promise<Uint8Array> {
  const words = checkedWords(pixels, info);
  const mod = await charls.load();
  const frameInfo = { width: info.columns, height: info.rows, bitsPerSample: unsignedCodestreamPrecision(info), componentCount: 1, isSigned: false };
  return charls.encode(() => new mod.JpegLSEncoder(), frameInfo, words, (encoder) => encoder.setNearLossless(0));
}
