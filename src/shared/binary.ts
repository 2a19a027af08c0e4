// Little-endian integers read from bytes at an offset (DICOM's own byte order), without a DataView.

/** The unsigned 16-bit little-endian integer at `offset`. */
export function readUint16LE(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

/** The unsigned 32-bit little-endian integer at `offset` (as a non-negative number, not an int32). */
export function readUint32LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16)) + bytes[offset + 3]! * 0x1000000;
}
