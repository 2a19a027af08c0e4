import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The `FrameInfo` value object the Cornerstone encoders take in `getDecodedBuffer`. */
export interface WasmEncodeFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}

/** Common part of the Cornerstone encoder classes (Emscripten embind objects: call `delete`). */
export interface WasmEncoder {
  /** The encoder's input buffer in wasm memory, sized for `frameInfo`: 1 byte per sample up to 8 bits, else 2. */
  getDecodedBuffer(frameInfo: WasmEncodeFrameInfo): Uint8Array;
  encode(): void;
  /** A view of the codestream in wasm memory, valid until the next call on the encoder. */
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

const MAX_MESSAGES = 20;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * One Cornerstone WebAssembly codec build (the full "wasmjs" one, which has the encoders), loaded
 * on first use once per thread. The codecs print through Emscripten's hooks (OpenJPEG writes
 * "[WARNING]"/"[ERROR]" lines to stdout): those lines are kept, not printed, and added to the
 * message of an encode that fails.
 */
export class WasmEncoderModule<M> {
  private module?: Promise<M>;
  private readonly messages: string[] = [];

  constructor(
    private readonly path: string,
    private readonly label: string,
  ) {}

  load(): Promise<M> {
    if (!this.module) {
      const factory = require(this.path) as (opts: object) => Promise<M>;
      const keep = (line: string) => {
        this.messages.push(line);
        if (this.messages.length > MAX_MESSAGES) this.messages.shift();
      };
      this.module = factory({ print: keep, printErr: keep });
    }
    return this.module;
  }

  /**
   * Encodes 16-bit `words` (rows × columns, little endian in wasm memory) with a fresh encoder from
   * `make`, set up by `configure`, and deletes it; returns a copy of the codestream. Exceptions
   * from wasm (numbers, or errors without the codec's reason) are rethrown as Errors with the
   * codec's last printed lines.
   */
  encode<E extends WasmEncoder>(make: () => E, frameInfo: WasmEncodeFrameInfo, words: Uint16Array, configure: (encoder: E) => void): Uint8Array {
    if (frameInfo.bitsPerSample <= 8) throw new Error(`${this.label}: codestream precision ${frameInfo.bitsPerSample} is not supported for 16-bit frames (BitsStored 9 to 16 are)`);
    if (!HOST_LITTLE_ENDIAN) throw new Error(`${this.label}: wasm codecs need a little-endian host`);
    this.messages.length = 0;
    const encoder = make();
    try {
      const input = encoder.getDecodedBuffer(frameInfo);
      const n = frameInfo.width * frameInfo.height;
      if (input.byteLength !== 2 * n) throw new Error(`${this.label}: input buffer of ${input.byteLength} bytes for ${n} samples`);
      input.set(new Uint8Array(words.buffer, words.byteOffset, 2 * n));
      configure(encoder);
      try {
        encoder.encode();
      } catch (err) {
        const why = err instanceof Error ? err.message : `wasm exception ${String(err)}`;
        const printed = this.messages.join(' ').replace(/\s+/g, ' ').trim();
        throw new Error(`${this.label} encoder failed: ${why}${printed ? ` (${printed})` : ''}`, { cause: err });
      }
      const view = encoder.getEncodedBuffer();
      if (view.byteLength === 0) throw new Error(`${this.label} encoder produced no codestream`);
      // A copy: the view is into wasm memory, freed (or moved by memory growth) after delete().
      return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
    } finally {
      encoder.delete();
    }
  }
}
