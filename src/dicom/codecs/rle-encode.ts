/** What the RLE encoder needs to know about a frame. */
export interface RleFrameInfo {
  rows: number;
  columns: number;
  bitsAllocated: 8 | 16;
  /** 1 (greyscale) or 3 (colour, interleaved input); default 1. */
  samplesPerPixel?: 1 | 3;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * PackBits-encodes `src[from, to)` (one row of one byte plane) into `out` at `at`; returns the new
 * position. Runs of 2 or more become replicate runs when a literal is not open; a literal is only
 * broken by a run of 3 or more, which always saves bytes.
 */
function packRow(src: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  let i = from;
  while (i < to) {
    const value = src[i]!;
    let run = 1;
    while (i + run < to && run < 128 && src[i + run] === value) run++;
    if (run >= 2) {
      out[at++] = 257 - run;
      out[at++] = value;
      i += run;
      continue;
    }
    const start = i++;
    while (i < to && i - start < 128) {
      if (i + 2 < to && src[i] === src[i + 1] && src[i] === src[i + 2]) break;
      i++;
    }
    out[at++] = i - start - 1;
    out.set(src.subarray(start, i), at);
    at += i - start;
  }
  return at;
}

/**
 * Encodes one frame as DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header with the segment count
 * and offsets, then one PackBits segment per byte plane (most significant byte first, per sample),
 * each row encoded separately and each segment padded to even length with a zero byte. Input is
 * the stored values in native order (interleaved when samplesPerPixel is 3).
 */
export function encodeRleFrame(data: Uint8Array | Int8Array | Uint16Array | Int16Array, info: RleFrameInfo): Uint8Array {
  const { rows, columns, bitsAllocated } = info;
  const samples = info.samplesPerPixel ?? 1;
  const bytesPerSample = bitsAllocated / 8;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new Error(`BitsAllocated ${String(bitsAllocated)}: RLE encoder supports 8 and 16`);
  if (data.BYTES_PER_ELEMENT !== bytesPerSample) throw new Error(`${data.constructor.name} does not hold ${bitsAllocated}-bit samples`);
  const pixels = rows * columns;
  if (data.length !== pixels * samples) throw new Error(`${data.length} samples given, ${rows} × ${columns} × ${samples} expected`);
  const segments = samples * bytesPerSample;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // Worst case per row: every 128 bytes need one header byte; plus one padding byte per segment.
  const worstRow = columns + Math.ceil(columns / 128);
  const out = new Uint8Array(64 + segments * (rows * worstRow + 1));
  const header = new DataView(out.buffer);
  header.setUint32(0, segments, true);
  const plane = new Uint8Array(pixels);
  let at = 64;
  for (let s = 0; s < segments; s++) {
    header.setUint32(4 + 4 * s, at, true);
    const sample = Math.floor(s / bytesPerSample);
    const significance = bytesPerSample - 1 - (s % bytesPerSample); // 1 = high byte of a 16-bit sample
    const byteInWord = HOST_LITTLE_ENDIAN ? significance : bytesPerSample - 1 - significance;
    const stride = bytesPerSample * samples;
    for (let i = 0, j = sample * bytesPerSample + byteInWord; i < pixels; i++, j += stride) plane[i] = bytes[j]!;
    for (let r = 0; r < rows; r++) at = packRow(plane, r * columns, (r + 1) * columns, out, at);
    if (at & 1) out[at++] = 0;
  }
  return out.slice(0, at);
}
