// The Keras InceptionV3 that ships in the npm package nsfwjs@4.4.0 (MIT), read as data. Its
// dist/models/inception_v3/ holds browserify bundles: model.min.js exports
// {modelTopology, weightsManifest} as a minified object literal, and each group1-shardNofM.min.js
// exports one base64 string. Evaluating those modules takes ~44 s (the JS engine chews through 28 MB
// of string literals); here the literal is parsed and the base64 pulled out with a regex instead.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseJsLiteral } from './js-literal.js';
import type { WeightsManifest } from './tfjs-weights.js';

/** The nsfwjs release whose files this reader knows. */
export const NSFWJS_VERSION = '4.4.0';

export interface KerasModelFiles {
  /** The Keras model JSON (keras_version, model_config, …) as the bundle holds it. */
  modelTopology: Record<string, unknown>;
  weightsManifest: WeightsManifest;
  /** The decoded shards, per manifest group and path. */
  shards: Uint8Array[][];
  /** Where they were read from. */
  dir: string;
}

/** The installed nsfwjs package's root folder; a clear error when it is missing or another version. */
export function nsfwjsPackageDir(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('nsfwjs');
  } catch (err) {
    throw new Error(
      `the pretrained InceptionV3 comes from the npm package nsfwjs@${NSFWJS_VERSION}, which is not installed ` +
        `(npm install --save-exact nsfwjs@${NSFWJS_VERSION}): ${(err as Error).message.split('\n')[0]}`,
    );
  }
  // The package's exports map hides package.json from resolve(): walk up from its entry point.
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkgPath = join(dir, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string; version?: string };
    if (pkg.name !== 'nsfwjs') continue;
    if (pkg.version !== NSFWJS_VERSION) {
      throw new Error(`nsfwjs ${pkg.version} is installed at ${dir}; the InceptionV3 importer reads ${NSFWJS_VERSION} (npm install --save-exact nsfwjs@${NSFWJS_VERSION})`);
    }
    return dir;
  }
  throw new Error(`found nsfwjs's entry point ${entry} but not its package.json`);
}

/** The folder holding model.min.js and the shards. */
export function inceptionV3Dir(): string {
  return join(nsfwjsPackageDir(), 'dist', 'models', 'inception_v3');
}

/** The object literal a bundle exports (`…exports={…}…`), parsed without running the bundle. */
export function readExportedLiteral(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  const m = /\bexports\s*=\s*(?=[{[])/.exec(text);
  if (!m) throw new Error(`${path}: no 'exports = {…}' found`);
  const { value } = parseJsLiteral(text, m.index + m[0].length);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: the exported value is not an object`);
  return value as Record<string, unknown>;
}

const SHARD_PREFIX = Buffer.from('exports="', 'latin1');
const QUOTE = 0x22;
const EQUALS = 0x3d;

/** Base64 alphabet → 6-bit values; −1 elsewhere. */
const SEXTETS = (() => {
  const t = new Int8Array(256).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

/** Where a shard bundle's exported base64 string lies in its bytes, and how many bytes it decodes to. */
function base64Span(path: string, file: Uint8Array): { start: number; end: number; decoded: number } {
  const at = Buffer.from(file.buffer, file.byteOffset, file.byteLength).indexOf(SHARD_PREFIX);
  const start = at + SHARD_PREFIX.length;
  const end = at < 0 ? -1 : file.indexOf(QUOTE, start);
  if (end < 0) throw new Error(`${path}: no 'exports="<base64>"' found`);
  if ((end - start) % 4 !== 0) throw new Error(`${path}: the base64 string's length ${end - start} is not a multiple of 4`);
  let padding = 0;
  while (padding < 2 && end - 1 - padding >= start && file[end - 1 - padding] === EQUALS) padding++;
  return { start, end, decoded: ((end - start) / 4) * 3 - padding };
}

/** Decodes standard base64 (with '=' padding) from `src[start, end)` into `out` at `at`; strict about the alphabet. */
export function decodeBase64Into(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let o = at;
  let bad = 0;
  const full = end - start >= 4 && src[end - 1] === EQUALS ? end - 4 : end;
  for (let i = start; i < full; i += 4) {
    const a = SEXTETS[src[i]];
    const b = SEXTETS[src[i + 1]];
    const c = SEXTETS[src[i + 2]];
    const d = SEXTETS[src[i + 3]];
    bad |= a | b | c | d;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  if (full < end) {
    const a = SEXTETS[src[full]];
    const b = SEXTETS[src[full + 1]];
    bad |= a | b;
    out[o++] = (a << 2) | (b >> 4);
    if (src[full + 2] !== EQUALS) {
      const c = SEXTETS[src[full + 2]];
      bad |= c;
      out[o++] = ((b & 15) << 4) | (c >> 2);
    }
  }
  if (bad < 0) throw new Error('not base64: a character outside the alphabet');
  return o - at;
}

/**
 * The base64 strings the shard bundles export, decoded back to back into one buffer (one view per
 * shard, in order) without evaluating the bundles (which takes ~44 s). Each file is read into one
 * reused buffer and decoded from its bytes: on this VM fresh memory costs more than the decoding.
 */
export function readShards(paths: readonly string[]): Uint8Array[] {
  const sizes = paths.map((p) => statSync(p).size);
  const file = new Uint8Array(Math.max(0, ...sizes));
  const read = (i: number): Uint8Array => {
    const fd = openSync(paths[i], 'r');
    try {
      let got = 0;
      while (got < sizes[i]) {
        const n = readSync(fd, file, got, sizes[i] - got, got);
        if (n === 0) throw new Error(`${paths[i]}: shorter than its ${sizes[i]} bytes`);
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    return file.subarray(0, sizes[i]);
  };
  // One buffer for all shards, sized by the files (an upper bound: the bundles' wrapper code counts too).
  const all = new Uint8Array(sizes.reduce((a, n) => a + Math.floor((n * 3) / 4), 0));
  let at = 0;
  return paths.map((p, i) => {
    const bytes = read(i);
    const { start, end, decoded } = base64Span(p, bytes);
    let written: number;
    try {
      written = decodeBase64Into(bytes, start, end, all, at);
    } catch (err) {
      throw new Error(`${p}: ${(err as Error).message}`);
    }
    if (written !== decoded) throw new Error(`${p}: decoded ${written} bytes, expected ${decoded}`);
    const view = all.subarray(at, at + written);
    at += written;
    return view;
  });
}

let modelCache: { path: string; modelTopology: Record<string, unknown>; weightsManifest: WeightsManifest } | undefined;

/** model.min.js's {modelTopology, weightsManifest}, parsed once per folder. */
export function readInceptionV3Model(dir: string = inceptionV3Dir()): { modelTopology: Record<string, unknown>; weightsManifest: WeightsManifest } {
  const path = join(dir, 'model.min.js');
  if (modelCache?.path !== path) {
    if (!existsSync(path)) throw new Error(`${path} is missing: is nsfwjs@${NSFWJS_VERSION} installed completely?`);
    const exported = readExportedLiteral(path);
    const modelTopology = exported.modelTopology as Record<string, unknown> | undefined;
    const weightsManifest = exported.weightsManifest as WeightsManifest | undefined;
    if (!modelTopology || !Array.isArray(weightsManifest)) throw new Error(`${path}: expected {modelTopology, weightsManifest}`);
    modelCache = { path, modelTopology, weightsManifest };
  }
  return { modelTopology: modelCache.modelTopology, weightsManifest: modelCache.weightsManifest };
}

/** Reads the topology, the weights manifest and every shard. `dir` defaults to the installed package's. */
export function readInceptionV3Files(dir: string = inceptionV3Dir()): KerasModelFiles {
  const { modelTopology, weightsManifest } = readInceptionV3Model(dir);
  const paths = weightsManifest.flatMap((group) => group.paths.map((p) => join(dir, `${p}.min.js`)));
  const views = readShards(paths);
  let k = 0;
  const shards = weightsManifest.map((group) => group.paths.map(() => views[k++]));
  return { modelTopology, weightsManifest, shards, dir };
}
