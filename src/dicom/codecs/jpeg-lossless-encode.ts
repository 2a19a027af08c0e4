/**
 * A JPEG lossless encoder (ITU-T T.81 process 14, Annex H) for DICOM JPEG Lossless, Non-Hierarchical,
 * First-Order Prediction (Process 14 [Selection Value 1]), 1.2.840.10008.1.2.4.70: one component,
 * predictor 1 (the sample to the left), point transform 0, and one Huffman table built for the
 * frame's own difference categories (T.81 Annex K.2), so no pixel statistics are assumed.
 */

/** Difference categories SSSS 0..16 (H.1.2.2: 16 only for the difference 32768, with no extra bits). */
const CATEGORIES = 17;

let diffScratch = new Int32Array(0);
let outScratch = new Uint8Array(0);

/** A Huffman table: code length and code per category (length 0: unused), and the DHT segment's BITS and HUFFVAL. */
interface HuffmanTable {
  sizes: Uint8Array;
  codes: Uint16Array;
  /** bits[l]: how many codes have length l (1..16; bits[0] unused). */
  bits: Uint8Array;
  values: number[];
}

/**
 * Optimal code lengths for `freq` (one count per symbol), at most 16 bits, leaving the all-ones
 * code word unused: T.81 Annex K.2, Figures K.1 to K.4.
 */
export function huffmanCodeSizes(freq: ArrayLike<number>): Uint8Array {
  const n = freq.length; // the reserved symbol n (frequency 1) keeps every real code off all-ones
  const f = Float64Array.from({ length: n + 1 }, (_, i) => (i < n ? freq[i]! : 1));
  const codesize = new Int32Array(n + 1);
  const others = new Int32Array(n + 1).fill(-1);
  for (;;) {
    // V1: the least non-zero frequency, ties to the larger symbol; V2: the next least.
    let v1 = -1;
    let v2 = -1;
    for (let i = 0; i <= n; i++) {
      if (f[i] === 0) continue;
      if (v1 < 0 || f[i]! <= f[v1]!) {
        v2 = v1;
        v1 = i;
      } else if (v2 < 0 || f[i]! <= f[v2]!) {
        v2 = i;
      }
    }
    if (v2 < 0) break;
    f[v1]! += f[v2]!;
    f[v2] = 0;
    for (let i = v1; ; i = others[i]!) {
      codesize[i]!++;
      if (others[i]! < 0) {
        others[i] = v2;
        break;
      }
    }
    for (let i = v2; i >= 0; i = others[i]!) codesize[i]!++;
  }
  const count = new Int32Array(Math.max(32, ...codesize) + 1);
  for (let i = 0; i <= n; i++) if (codesize[i]! > 0) count[codesize[i]!]!++;
  // Figure K.3: move codes longer than 16 bits up the tree, then drop the reserved code.
  for (let i = count.length - 1; i > 16; i--) {
    while (count[i]! > 0) {
      let j = i - 2;
      while (count[j] === 0) j--;
      count[i]! -= 2;
      count[i - 1]!++;
      count[j + 1]! += 2;
      count[j]!--;
    }
  }
  let last = 16;
  while (count[last] === 0) last--;
  count[last]!--;
  // Figure K.4: the lengths go to the symbols by increasing original code size (the reserved one is last).
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => codesize[i]! > 0)
    .sort((a, b) => codesize[a]! - codesize[b]! || a - b);
  const sizes = new Uint8Array(n);
  for (let l = 1, k = 0; l <= 16; l++) for (let c = 0; c < count[l]!; c++) sizes[order[k++]!] = l;
  return sizes;
}

/** Canonical codes for code lengths (T.81 Annex C), with the DHT segment's BITS and HUFFVAL. */
export function canonicalTable(sizes: Uint8Array): HuffmanTable {
  const values = Array.from(sizes.keys())
    .filter((i) => sizes[i]! > 0)
    .sort((a, b) => sizes[a]! - sizes[b]! || a - b);
  const bits = new Uint8Array(17);
  for (const v of values) bits[sizes[v]!]!++;
  const codes = new Uint16Array(sizes.length);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++, code <<= 1) {
    for (let c = 0; c < bits[l]!; c++, k++, code++) codes[values[k]!] = code;
  }
  return { sizes, codes, bits, values };
}

/**
 * Bits of the entropy-coded segment (before byte stuffing and padding) with these code lengths.
 * Category 16 has no extra bits (H.1.2.2).
 */
function entropyBits(freq: Float64Array, sizes: Uint8Array): number {
  let total = 0;
  for (let s = 0; s < CATEGORIES; s++) total += freq[s]! * (sizes[s]! + (s < 16 ? s : 0));
  return total;
}

/**
 * jpeg-lossless-decoder-js (the decoder of ichdetect and Cornerstone) drops the last sample when
 * its code has no extra bits (category 0 or 16) and ends exactly on a byte boundary: reading ahead,
 * it takes the EOI marker's 0xFF for the end of the data one code too early. A stream whose data
 * do not end on a byte boundary gets at least one padding bit, which avoids that. When the frame's
 * bits would come out even, one code is made a bit longer: the rarest category whose count is not a
 * multiple of 8 (the codes stay prefix-free and off all-ones, as the Kraft sum only drops). Returns
 * false when no code can do it (every count a multiple of 8).
 */
function avoidByteAlignedEnd(freq: Float64Array, sizes: Uint8Array, lastCategory: number): boolean {
  if ((lastCategory !== 0 && lastCategory !== 16) || entropyBits(freq, sizes) % 8 !== 0) return true;
  let best = -1;
  for (let s = 0; s < CATEGORIES; s++) {
    if (sizes[s]! > 0 && sizes[s]! < 16 && freq[s]! % 8 !== 0 && (best < 0 || freq[s]! < freq[best]!)) best = s;
  }
  if (best < 0) return false;
  sizes[best]!++;
  return true;
}

function put16(out: Uint8Array, at: number, v: number): number {
  out[at] = v >>> 8;
  out[at + 1] = v & 0xff;
  return at + 2;
}

/** SOI, SOF3, DHT and SOS: everything before the entropy-coded data. */
function writeHeaders(out: Uint8Array, rows: number, columns: number, precision: number, table: HuffmanTable): number {
  let at = put16(out, 0, 0xffd8); // SOI
  at = put16(out, at, 0xffc3); // SOF3: lossless, Huffman
  at = put16(out, at, 11);
  out[at++] = precision;
  at = put16(out, at, rows);
  at = put16(out, at, columns);
  out.set([1, 1, 0x11, 0], at); // one component: id 1, sampling 1×1, no quantization table
  at += 4;
  at = put16(out, at, 0xffc4); // DHT
  at = put16(out, at, 2 + 1 + 16 + table.values.length);
  out[at++] = 0x00; // class 0 (DC/lossless), table 0
  out.set(table.bits.subarray(1), at);
  at += 16;
  out.set(table.values, at);
  at += table.values.length;
  at = put16(out, at, 0xffda); // SOS
  at = put16(out, at, 8);
  out.set([1, 1, 0x00, 1, 0, 0], at); // component 1 uses table 0; Ss = predictor 1, Se = 0, Ah/Al = 0
  return at + 6;
}

/**
 * Pass 1: the differences from predictor 1 (H.1.2.1: the first row from the left neighbour and
 * 2^(P-1) for the first sample, each later row's first sample from the one above), modulo 2^16 as
 * H.1.2.2 allows, counted by category into `freq`. Returns the index of a sample at or above
 * 2^precision, or -1.
 */
function differences(samples: Uint16Array, rows: number, columns: number, precision: number, diffs: Int32Array, freq: Float64Array): number {
  const limit = 1 << precision;
  let i = 0;
  for (let r = 0; r < rows; r++) {
    let p = r > 0 ? samples[i - columns]! : limit >>> 1;
    for (let c = 0; c < columns; c++, i++) {
      const x = samples[i]!;
      if (x >= limit) return i;
      const d = ((x - p) << 16) >> 16;
      diffs[i] = d;
      freq[d === 0 ? 0 : 32 - Math.clz32(d < 0 ? -d : d)]!++;
      p = x;
    }
  }
  return -1;
}

/**
 * Pass 2: for each difference the Huffman code of its category, then the category's low bits of
 * the difference (F.1.2.1.1: of the difference minus one when negative; none for category 16),
 * with byte stuffing, and the last byte padded with 1-bits (F.1.2.3). `acc` never holds more than
 * 7 + 24 pending bits. Returns the position after the data.
 */
function entropyCode(diffs: Int32Array, n: number, sizes: Uint8Array, codes: Uint16Array, out: Uint8Array, start: number, padByte: boolean): number {
  let at = start;
  let acc = 0;
  let pending = 0;
  for (let i = 0; i < n; i++) {
    const d = diffs[i]!;
    const s = d === 0 ? 0 : 32 - Math.clz32(d < 0 ? -d : d);
    const extraBits = s & 15; // category 16 has none
    const extra = (d < 0 ? d - 1 : d) & ((1 << extraBits) - 1);
    const len = sizes[s]!;
    if (len + extraBits <= 24) {
      acc = (acc << (len + extraBits)) | (codes[s]! << extraBits) | extra;
      pending += len + extraBits;
    } else {
      acc = (acc << len) | codes[s]!;
      pending += len;
      while (pending >= 8) {
        pending -= 8;
        const byte = (acc >>> pending) & 0xff;
        out[at++] = byte;
        if (byte === 0xff) out[at++] = 0;
      }
      acc = (acc << extraBits) | extra;
      pending += extraBits;
    }
    while (pending >= 8) {
      pending -= 8;
      const byte = (acc >>> pending) & 0xff;
      out[at++] = byte;
      if (byte === 0xff) out[at++] = 0;
    }
  }
  if (pending > 0) {
    const byte = ((acc << (8 - pending)) | ((1 << (8 - pending)) - 1)) & 0xff;
    out[at++] = byte;
    if (byte === 0xff) out[at++] = 0;
  } else if (padByte) {
    out[at++] = 0xff;
    out[at++] = 0;
  }
  return at;
}

/**
 * Encodes `samples` (rows × columns unsigned values below 2^precision, e.g. stored values masked
 * to BitsStored) as a JPEG lossless SV1 codestream of the given precision (2 to 16).
 */
export function encodeJpegLosslessFrame(samples: Uint16Array, rows: number, columns: number, precision: number): Uint8Array {
  if (!Number.isInteger(precision) || precision < 2 || precision > 16) throw new Error(`JPEG lossless precision ${precision}: expected 2 to 16`);
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows < 1 || columns < 1 || rows > 0xffff || columns > 0xffff) {
    throw new Error(`JPEG lossless frame ${columns}×${rows}: each side must be 1 to 65535`);
  }
  const n = rows * columns;
  if (samples.length < n) throw new Error(`${samples.length} samples for a ${columns}×${rows} frame`);
  if (diffScratch.length < n) diffScratch = new Int32Array(n);
  const freq = new Float64Array(CATEGORIES);
  const bad = differences(samples, rows, columns, precision, diffScratch, freq);
  if (bad >= 0) throw new Error(`sample ${bad} is ${samples[bad]}, not below 2^${precision} for ${precision}-bit JPEG lossless`);

  const sizes = huffmanCodeSizes(freq);
  const lastDiff = diffScratch[n - 1]!;
  // Without a longer code, a padding byte of 1-bits after the data does the same (decoders skip it).
  const padByte = !avoidByteAlignedEnd(freq, sizes, lastDiff === 0 ? 0 : 32 - Math.clz32(Math.abs(lastDiff)));
  const table = canonicalTable(sizes);

  // Headers, then the entropy-coded data (exactly this many bits before byte stuffing, which at
  // most doubles them), then EOI.
  const worst = 128 + 2 * Math.ceil(entropyBits(freq, sizes) / 8) + 4;
  if (outScratch.length < worst) outScratch = new Uint8Array(worst);
  let at = writeHeaders(outScratch, rows, columns, precision, table);
  at = entropyCode(diffScratch, n, sizes, table.codes, outScratch, at, padByte);
  at = put16(outScratch, at, 0xffd9);
  return outScratch.slice(0, at);
}
