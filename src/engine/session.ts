// Thin helpers over onnxruntime-node: open a compiled graph, feed typed arrays, read typed arrays.
import * as ort from 'onnxruntime-node';

export { ort };

export interface SessionOptions {
  /** Intra-op threads (default: ORT's choice, one per core). */
  threads?: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Write an ORT profile (JSON trace) with this file prefix. */
  profilePrefix?: string;
  /**
   * Let idle intra-op threads spin while waiting for work (ORT's default, true). Spinning helps a
   * little on idle cores and costs a lot when other work shares them.
   */
  spinning?: boolean;
}

export async function openSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.optimization ?? 'all',
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
  // ORT rejects keys present with an undefined value.
  if (options.threads !== undefined) sessionOptions.intraOpNumThreads = options.threads;
  if (options.spinning === false) sessionOptions.extra = { session: { intra_op: { allow_spinning: '0' } } };
  if (options.profilePrefix !== undefined) {
    sessionOptions.enableProfiling = true;
    sessionOptions.profileFilePrefix = options.profilePrefix;
  }
  return ort.InferenceSession.create(bytes, sessionOptions);
}

export interface HostTensor {
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}

export function toOrt(t: HostTensor): ort.Tensor {
  return t.data instanceof Float32Array ? new ort.Tensor('float32', t.data, t.dims) : new ort.Tensor('int64', t.data, t.dims);
}

/** Run a session on float32/int64 feeds; returns every requested output as a float32 host tensor. */
export async function runSession(
  session: ort.InferenceSession,
  feeds: Record<string, HostTensor>,
  outputs?: readonly string[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
  const result = outputs ? await session.run(ortFeeds, [...outputs]) : await session.run(ortFeeds);
  const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const [name, t] of Object.entries(result)) {
    if (t.type !== 'float32') throw new Error(`output ${name} is ${t.type}, not float32`);
    out[name] = { data: t.data as Float32Array, dims: t.dims };
  }
  return out;
}

export const scalar = (v: number): HostTensor => ({ data: Float32Array.of(v), dims: [] });
