// What the viewer needs to run the model in the browser with onnxruntime-web: the runtime's own
// files (served from the installed npm package, never a CDN), the model folder's model.onnx, and a
// slice's model input preprocessed exactly as `ich predict` preprocesses it.
import { SCHEMAS } from './route-schemas.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ModelCard } from '../models/folder.js';
import { notSliceWise, sliceModelInput } from './attributions.js';
import { RequestError } from './multipart.js';
import type { DecodePool } from './decode-pool.js';
import type { ServeStore } from './store.js';

/** The onnxruntime-web files the viewer loads: the WebAssembly build's ES module, its loader and binary. */
export const RUNTIME_FILES: Readonly<Record<string, string>> = {
  'ort.wasm.min.mjs': 'text/javascript; charset=utf-8',
  'ort-wasm-simd-threaded.mjs': 'text/javascript; charset=utf-8',
  'ort-wasm-simd-threaded.wasm': 'application/wasm',
};

/** Where the viewer imports onnxruntime-web from. */
export const RUNTIME_PATH = '/vendor/onnxruntime-web';

function runtimeDir(): string {
  // The package's CommonJS entry is dist/ort.min.js; its exports do not include package.json.
  return dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
}

/** Adds GET /vendor/onnxruntime-web/FILE, GET /api/model.onnx and GET /api/studies/UID/slices/SOP/input. */
export function addBrowserRoutes(app: FastifyInstance, model: string, card: ModelCard, store: ServeStore, decoder: DecodePool): void {
  const dir = runtimeDir();
  const files = new Map<string, Buffer>();
  app.get<{ Params: { file: string } }>(`${RUNTIME_PATH}/:file`, { schema: SCHEMAS.runtimeFile(Object.keys(RUNTIME_FILES)) }, async (req, reply) => {
    const type = RUNTIME_FILES[req.params.file];
    if (!type) return reply.code(404).send({ error: `no file ${req.params.file}` });
    let bytes = files.get(req.params.file);
    if (!bytes) files.set(req.params.file, (bytes = readFileSync(join(dir, req.params.file))));
    return reply.type(type).header('cache-control', 'max-age=86400').send(bytes);
  });

  const why = notSliceWise(card);
  app.get('/api/model.onnx', { schema: SCHEMAS.modelOnnx }, async (_req, reply) => {
    if (why) throw new RequestError(409, `the browser cannot run this model: ${why}`);
    return reply.type('application/octet-stream').send(readFileSync(join(model, 'model.onnx')));
  });

  app.get<{ Params: { uid: string; sop: string } }>('/api/studies/:uid/slices/:sop/input', { schema: SCHEMAS.sliceInput }, async (req, reply) => {
    if (why) throw new RequestError(409, `the browser cannot run this model: ${why}`);
    const path = store.instancePath(req.params.uid, req.params.sop);
    if (!path) return reply.code(404).send({ error: `no instance ${req.params.sop} in study ${req.params.uid}` });
    const { size, channels } = card.input;
    const t = await sliceModelInput(decoder, path, card, 'read');
    return reply.type('application/octet-stream').header('x-shape', `1,${channels},${size},${size}`).send(Buffer.from(t.buffer, t.byteOffset, t.byteLength));
  });
}
