// The TensorFlow.js weights format (tfjs-core io_utils decodeWeights): a manifest of groups, each a
// list of shard files and of weight entries. The shards of all groups, concatenated in manifest order,
// hold the weights back to back in entry order; each entry takes size × (bytes per stored value).
// Quantized float32 weights are stored as uint8 / uint16 q with value = q·scale + min (computed in
// double precision, then rounded to float32, as tfjs does), or as IEEE float16.

export interface WeightQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
}

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: WeightQuantization;
}

export interface WeightsGroup {
  paths: string[];
  weights: WeightEntry[];
}

export type WeightsManifest = WeightsGroup[];

export interface DecodedTensor {
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Bytes an entry takes in the concatenated shards. */
export function storedBytes(entry: WeightEntry): number {
  const dtype = entry.quantization ? entry.quantization.dtype : entry.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new Error(`weight ${entry.name}: unsupported stored dtype '${dtype}'`);
  return sizeOf(entry.shape) * per;
}

/** IEEE 754 half-precision bits → the float32 value (exact: every float16 is a float32). */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * One entry's values from its bytes (little-endian, as tfjs reads them on every platform it runs on),
 * written into `out` (a fresh array by default; a longer one is filled from the start).
 */
export function decodeWeight(entry: WeightEntry, bytes: Uint8Array, out: Float32Array = new Float32Array(sizeOf(entry.shape))): Float32Array {
  const n = sizeOf(entry.shape);
  if (bytes.length !== storedBytes(entry)) throw new Error(`weight ${entry.name}: ${bytes.length} bytes, expected ${storedBytes(entry)}`);
  if (entry.dtype !== 'float32') throw new Error(`weight ${entry.name}: dtype ${entry.dtype}; only float32 weights are imported`);
  if (out.length < n) throw new Error(`weight ${entry.name}: ${n} values do not fit an array of ${out.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = entry.quantization;
  if (!q) {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    const { scale, min } = q;
    if (typeof scale !== 'number' || typeof min !== 'number') throw new Error(`weight ${entry.name}: ${q.dtype} quantization without scale and min`);
    // In double precision, then rounded to float32 on the store: tfjs's `values[i] = v * scale + min`.
    if (q.dtype === 'uint8') for (let i = 0; i < n; i++) out[i] = bytes[i] * scale + min;
    else for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, true) * scale + min;
    return out;
  }
  if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = float16ToFloat32(view.getUint16(2 * i, true));
    return out;
  }
  throw new Error(`weight ${entry.name}: unknown quantization dtype '${(q as { dtype: string }).dtype}'`);
}

/** An entry and its stored bytes, not decoded yet. */
export interface StoredWeight {
  entry: WeightEntry;
  bytes: Uint8Array;
}

/** The shards as one byte array: a view when they already lie back to back in one buffer, a copy otherwise. */
function joined(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const contiguous = parts.every((p, i) => i === 0 || (p.buffer === parts[0].buffer && p.byteOffset === parts[i - 1].byteOffset + parts[i - 1].byteLength));
  const total = parts.reduce((a, p) => a + p.length, 0);
  if (contiguous) return new Uint8Array(parts[0].buffer, parts[0].byteOffset, total);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/**
 * Where each entry's bytes lie: the shards of every group concatenated in manifest order, the entries
 * back to back in manifest order (tfjs's http loader and decodeWeights walk them the same way).
 */
export function locateWeights(manifest: WeightsManifest, shards: readonly (readonly Uint8Array[])[]): Map<string, StoredWeight> {
  if (shards.length !== manifest.length) throw new Error(`${shards.length} shard groups for a manifest of ${manifest.length}`);
  manifest.forEach((g, i) => {
    if (shards[i].length !== g.paths.length) throw new Error(`manifest group ${i} lists ${g.paths.length} shards, ${shards[i].length} given`);
  });
  const all = joined(shards.flat());
  const out = new Map<string, StoredWeight>();
  let offset = 0;
  for (const entry of manifest.flatMap((g) => g.weights)) {
    const length = storedBytes(entry);
    if (offset + length > all.length) throw new Error(`weight ${entry.name} runs past the end of the shards (${offset + length} > ${all.length} bytes)`);
    if (out.has(entry.name)) throw new Error(`weight ${entry.name} appears twice in the manifest`);
    out.set(entry.name, { entry, bytes: all.subarray(offset, offset + length) });
    offset += length;
  }
  if (offset !== all.length) throw new Error(`the manifest accounts for ${offset} bytes, the shards hold ${all.length}`);
  return out;
}

/** The manifest's entries decoded (all of them, or those `only` accepts). */
export function decodeWeights(
  manifest: WeightsManifest, shards: readonly (readonly Uint8Array[])[], only: (name: string) => boolean = () => true,
): Map<string, DecodedTensor> {
  const out = new Map<string, DecodedTensor>();
  for (const [name, { entry, bytes }] of locateWeights(manifest, shards)) {
    if (only(name)) out.set(name, { shape: entry.shape, data: decodeWeight(entry, bytes) });
  }
  return out;
}
