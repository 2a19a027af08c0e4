import { createRequire } from 'node:module';
import { CodecError } from './codestream-size.js';
import type { DecodedFrame, FrameInfo, StoredArray } from './types.js';

const require = createRequire(import.meta.url);

interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;

/** The Cornerstone WebAssembly decoders, each loaded once per thread on first use. */
const modules = {
  'jpeg-ls': { path: '@cornerstonejs/codec-charls/decodewasmjs', decoder: 'JpegLSDecoder' },
  'jpeg-2000': { path: '@cornerstonejs/codec-openjpeg/decodewasmjs', decoder: 'J2KDecoder' },
  'jpeg-baseline': { path: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', decoder: 'JPEGDecoder' },
} as const;

export type WasmCodec = keyof typeof modules;

const loaded = new Map<WasmCodec, Promise<WasmModule>>();

async function instantiate(codec: WasmCodec): Promise<WasmModule> {
  const factory = require(modules[codec].path) as (opts?: object) => Promise<WasmModule>;
  // OpenJPEG prints "[INFO]" lines through Emscripten's print hooks: keep them off stdout.
  return factory({ print: () => {}, printErr: () => {} });
}

function load(codec: WasmCodec): Promise<WasmModule> {
  let m = loaded.get(codec);
  if (!m) {
    m = instantiate(codec);
    loaded.set(codec, m);
  }
  return m;
}

function copyOut(decoded: Uint8Array, fi: WasmFrameInfo, info: FrameInfo): StoredArray {
  const length = fi.width * fi.height * fi.componentCount;
  const bytes = decoded.slice(0, length * (fi.bitsPerSample > 8 ? 2 : 1));
  if (fi.bitsPerSample <= 8) return fi.isSigned ? new Int8Array(bytes.buffer) : bytes;
  const signed = fi.isSigned ?? info.pixelRepresentation === 1;
  return signed ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer);
}

/** Decodes one frame with a Cornerstone WebAssembly codec (JPEG-LS, JPEG 2000, JPEG baseline). */
export async function decodeWasmFrame(codec: WasmCodec, bytes: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  const mod = await load(codec);
  const decoder = new mod[modules[codec].decoder]!();
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    const fi = decoder.getFrameInfo();
    if (fi.width !== info.columns || fi.height !== info.rows) {
      throw new CodecError(`the codestream is ${fi.width}×${fi.height}, the header says ${info.columns}×${info.rows}`);
    }
    // JPEG-LS and JPEG samples are unsigned by definition (CharLS and libjpeg-turbo report no sign).
    const codestreamSigned = fi.isSigned ?? (codec === 'jpeg-2000' ? undefined : false);
    return { data: copyOut(decoder.getDecodedBuffer(), fi, info), codestreamBits: fi.bitsPerSample, codestreamSigned };
  } finally {
    decoder.delete();
  }
}
