declare module 'jpeg-lossless-decoder-js' {
  /** JPEG Lossless (ITU-T T.81 process 14) decoder; see the package's src/decoder.ts. */
  export class Decoder {
    precision: number;
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array | null;
  }
}
