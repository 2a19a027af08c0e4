/** Stored pixel values of one frame, as the codec produced them (before BitsStored masking). */
export type StoredArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** What a codec needs to know about the frame it decodes. */
export interface FrameInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  pixelRepresentation: number;
}

export interface DecodedFrame {
  data: StoredArray;
  /** Precision the codestream itself declares (JPEG family), when the codec reports it. */
  codestreamBits?: number;
  /** Signedness the codestream declares (JPEG 2000), when the codec reports it. */
  codestreamSigned?: boolean;
}

/** One codec family: turns the bytes of one encapsulated frame into stored values. */
export type FrameDecoder = (bytes: Uint8Array, info: FrameInfo) => Promise<DecodedFrame> | DecodedFrame;

/** A typed array of the right width and sign for `bitsAllocated` / `pixelRepresentation`. */
export function storedArrayFor(info: Pick<FrameInfo, 'bitsAllocated' | 'pixelRepresentation'>, length: number): StoredArray {
  const signed = info.pixelRepresentation === 1;
  switch (info.bitsAllocated) {
    case 8:
      return signed ? new Int8Array(length) : new Uint8Array(length);
    case 16:
      return signed ? new Int16Array(length) : new Uint16Array(length);
    case 32:
      return signed ? new Int32Array(length) : new Uint32Array(length);
    default:
      throw new Error(`BitsAllocated ${info.bitsAllocated} is not supported`);
  }
}

/** Views `bytes` (little endian) as a typed array for the frame, copying only when unaligned. */
export function viewLittleEndian(bytes: Uint8Array, info: FrameInfo): StoredArray {
  const bytesPerSample = info.bitsAllocated / 8;
  const length = Math.floor(bytes.byteLength / bytesPerSample);
  const aligned = bytes.byteOffset % bytesPerSample === 0;
  const buffer = aligned ? bytes.buffer : new Uint8Array(bytes).buffer;
  const offset = aligned ? bytes.byteOffset : 0;
  const signed = info.pixelRepresentation === 1;
  switch (info.bitsAllocated) {
    case 8:
      return signed ? new Int8Array(buffer, offset, length) : new Uint8Array(buffer, offset, length);
    case 16:
      return signed ? new Int16Array(buffer, offset, length) : new Uint16Array(buffer, offset, length);
    case 32:
      return signed ? new Int32Array(buffer, offset, length) : new Uint32Array(buffer, offset, length);
    default:
      throw new Error(`BitsAllocated ${info.bitsAllocated} is not supported`);
  }
}
