/** What every frame encoder needs to know about the stored values it is given. */
export interface EncodeFrameInfo {
  rows: number;
  columns: number;
  /** Precision of the stored values, 2 to 16 (BitsAllocated is always 16). */
  bitsStored: number;
  /** 0 = unsigned, 1 = two's complement. */
  pixelRepresentation: 0 | 1;
}

/** Checks the frame geometry and precision; returns the pixel count. */
export function checkEncodeInfo(pixels: Int16Array | Uint16Array, info: EncodeFrameInfo): number {
  const { rows, columns, bitsStored, pixelRepresentation } = info;
  for (const [name, v] of [['rows', rows], ['columns', columns]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) throw new Error(`${name} ${v}: expected an integer from 1 to 65535`);
  }
  if (!Number.isInteger(bitsStored) || bitsStored < 2 || bitsStored > 16) throw new Error(`BitsStored ${bitsStored}: expected an integer from 2 to 16`);
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) throw new Error(`PixelRepresentation ${String(pixelRepresentation)}: expected 0 or 1`);
  const n = rows * columns;
  if (pixels.length !== n) throw new Error(`${pixels.length} pixels given, rows × columns = ${rows} × ${columns} = ${n}`);
  return n;
}

/**
 * Precision of an unsigned codestream (JPEG lossless, JPEG-LS) for these stored values: BitsStored,
 * except 16 for signed values of fewer bits. JPEG and JPEG-LS samples carry no sign, so those are
 * coded as their 16-bit two's-complement words, as dcmtk's encoders do: every reader then gets the
 * values back without sign-extending from BitsStored. (Masking them to BitsStored instead would be
 * legal, but Debian's pydicom 2.3 with GDCM returns such JPEG-LS samples unsigned: 4091 for -5.)
 */
export function unsignedCodestreamPrecision(info: EncodeFrameInfo): number {
  return info.pixelRepresentation === 1 ? 16 : info.bitsStored;
}

/**
 * The frame's 16-bit words (a Uint16Array view of `pixels`, no copy) after checking that every
 * stored value fits BitsStored, read as a 16-bit word (signed when PixelRepresentation is 1)
 * whatever the array type. Those words are what every codec codes: unsigned values as they are,
 * signed ones as 16-bit two's complement (see unsignedCodestreamPrecision).
 */
export function checkedWords(pixels: Int16Array | Uint16Array, info: EncodeFrameInfo): Uint16Array {
  const words = pixels instanceof Uint16Array ? pixels : new Uint16Array(pixels.buffer, pixels.byteOffset, pixels.length);
  const n = info.rows * info.columns;
  const b = info.bitsStored;
  const signed = info.pixelRepresentation === 1;
  // One loop per function, each optimized for its own case (one function taking both array types
  // and both cases runs its loop megamorphic in V8, ~20 times slower).
  const bad = b === 16 ? -1 : signed ? firstOutsideSigned(words, n, b) : firstOutsideUnsigned(words, n, b);
  if (bad >= 0) {
    const value = signed ? (words[bad]! << 16) >> 16 : words[bad]!;
    const [lo, hi] = signed ? [-(2 ** (b - 1)), 2 ** (b - 1) - 1] : [0, 2 ** b - 1];
    throw new Error(
      `pixel ${bad} (row ${Math.floor(bad / info.columns)}, column ${bad % info.columns}) is ${value}, outside ${lo}..${hi} ` +
        `(BitsStored ${b}, ${signed ? 'signed' : 'unsigned'}): lossless coding of ${b}-bit values would change it`,
    );
  }
  return words;
}

/** Index of the first word that is not a `bits`-bit two's-complement value, or -1. */
function firstOutsideSigned(words: Uint16Array, n: number, bits: number): number {
  const lo = -(1 << (bits - 1));
  const hi = (1 << (bits - 1)) - 1;
  for (let i = 0; i < n; i++) {
    const v = (words[i]! << 16) >> 16;
    if (v < lo || v > hi) return i;
  }
  return -1;
}

/** Index of the first word at or above 2^bits, or -1. */
function firstOutsideUnsigned(words: Uint16Array, n: number, bits: number): number {
  for (let i = 0; i < n; i++) if (words[i]! >>> bits !== 0) return i;
  return -1;
}
