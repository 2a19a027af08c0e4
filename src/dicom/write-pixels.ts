// PixelData (7FE0,0010) as the bytes that end a Part 10 file: native 16-bit values, or an
// encapsulated frame's fragments exactly as given (PS3.5 A.4).

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const UNDEFINED_LENGTH = 0xffffffff;

/** One already-compressed frame: its transfer syntax and the bytes of each fragment, in order. */
export interface EncapsulatedFrame {
  transferSyntaxUID: string;
  /**
   * One or more fragments (RLE allows exactly one). All but the last must have even length; an odd
   * last fragment gets a trailing zero byte (PS3.5 A.4).
   */
  fragments: Uint8Array[];
}

function writeTag(out: Buffer, at: number, group: number, element: number): number {
  out.writeUInt16LE(group, at);
  out.writeUInt16LE(element, at + 2);
  return at + 4;
}

/** PixelData (7FE0,0010) of uncompressed 16-bit values, little endian. */
export function nativePixelElement(pixels: Int16Array | Uint16Array, explicit: boolean): { head: Buffer; body: Uint8Array } {
  const head = Buffer.alloc(explicit ? 12 : 8);
  let at = writeTag(head, 0, 0x7fe0, 0x0010);
  if (explicit) {
    head.write('OW', at, 'latin1');
    at += 4; // VR + two reserved bytes
  }
  head.writeUInt32LE(pixels.byteLength, at);
  let body = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  if (!HOST_LITTLE_ENDIAN) {
    const swapped = Buffer.alloc(pixels.byteLength);
    for (let i = 0; i < pixels.length; i++) swapped.writeUInt16LE(pixels[i]! & 0xffff, 2 * i);
    body = swapped;
  }
  return { head, body };
}

/**
 * Encapsulated PixelData (PS3.5 A.4): OB with undefined length, a Basic Offset Table item holding
 * the one frame's offset (0), one item per fragment (each padded to even length), then the
 * Sequence Delimitation Item.
 */
export function encapsulatedPixelElement(frame: EncapsulatedFrame): { head: Buffer; body: Uint8Array } {
  const size = frame.fragments.reduce((n, f) => n + 8 + f.byteLength + (f.byteLength & 1), 12 + 12 + 8);
  const out = Buffer.alloc(size);
  let at = writeTag(out, 0, 0x7fe0, 0x0010);
  out.write('OB', at, 'latin1');
  at += 4;
  out.writeUInt32LE(UNDEFINED_LENGTH, at);
  at += 4;
  at = writeTag(out, at, 0xfffe, 0xe000);
  out.writeUInt32LE(4, at);
  out.writeUInt32LE(0, at + 4);
  at += 8;
  for (const f of frame.fragments) {
    at = writeTag(out, at, 0xfffe, 0xe000);
    const length = f.byteLength + (f.byteLength & 1);
    out.writeUInt32LE(length, at);
    at += 4;
    out.set(f, at);
    at += length; // the padding byte, if any, is already zero
  }
  at = writeTag(out, at, 0xfffe, 0xe0dd);
  out.writeUInt32LE(0, at);
  return { head: out, body: new Uint8Array(0) };
}
