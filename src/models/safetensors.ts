// The safetensors format (huggingface/safetensors): 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {…}}, then the raw little-endian data.
// No maintained npm package reads or writes it, and it is this small: float32 tensors only.
import { readFileSync, writeFileSync } from 'node:fs';

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Writes float32 tensors (name → values, with shapes) and string metadata as a .safetensors file. */
export function writeSafetensors(path: string, tensors: Map<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string> = {}): void {
  const header: Record<string, Entry | Record<string, string>> = { __metadata__: metadata };
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: ${name} has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, at);
    at += d.byteLength;
  }
  writeFileSync(path, out);
}

/** Reads a .safetensors file of float32 tensors. */
export function readSafetensors(path: string): { tensors: Map<string, { shape: number[]; data: Float32Array }>; metadata: Record<string, string> } {
  const bytes = readFileSync(path);
  if (bytes.length < 8) throw new Error(`${path}: not a safetensors file (too short)`);
  const length = Number(bytes.readBigUInt64LE(0));
  if (8 + length > bytes.length) throw new Error(`${path}: header of ${length} bytes runs past the end of the file`);
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, Entry | Record<string, string>>;
  const base = 8 + length;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as Entry;
    if (e.dtype !== 'F32') throw new Error(`${path}: tensor ${name} is ${e.dtype}; only F32 is supported`);
    const [begin, end] = e.data_offsets;
    if (base + end > bytes.length) throw new Error(`${path}: tensor ${name} runs past the end of the file`);
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + base + begin, bytes.byteOffset + base + end));
    tensors.set(name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}
