// Each route's schema, declared next to its handler (server.ts, browser-inference.ts): fastify
// validates parameters and query strings with them (an invalid one gets 400 with the reason), and
// @fastify/swagger builds GET /openapi.json from them.
import { LABELS } from '../data/labels.js';
import { WINDOW_PRESETS } from '../preprocess/window.js';

const object = (description: string, properties: Record<string, object> = {}, required: string[] = []) => ({ description, type: 'object', properties, required, additionalProperties: true });
const error = (description: string) => ({ description, type: 'object', properties: { error: { type: 'string' } }, required: ['error'] });
const binary = (description: string, type: string) => ({ description, content: { [type]: { schema: { type: 'string', format: 'binary' } } } });
const uid = { type: 'string', minLength: 1, description: 'StudyInstanceUID' };
const sop = { type: 'string', minLength: 1, description: 'SOPInstanceUID' };

/** A window preset's name, or CENTER/WIDTH in HU (e.g. 40/80). */
export const WINDOW_PATTERN = `^(${Object.keys(WINDOW_PRESETS).join('|')}|-?\\d+(\\.\\d+)?/\\d+(\\.\\d+)?)$`;

/** What a query parameter must be, for the 400's sentence. */
export const EXPECTED: Record<string, string> = {
  window: `${Object.keys(WINDOW_PRESETS).join(', ')} or CENTER/WIDTH in HU`,
  overlay: `one of ${LABELS.join(', ')}`,
};

export const SCHEMAS = {
  viewer: { summary: 'The web viewer (worklist and study view)', response: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } },
  asset: { hide: true },
  health: { summary: 'Liveness, the model and the queue length', response: { 200: object('ok', { status: { type: 'string' }, model: { type: 'string' }, queued: { type: 'integer' } }, ['status', 'model', 'queued']) } },
  openapi: { summary: 'This description (generated from the routes\' schemas)', response: { 200: object('OpenAPI 3.1 document') } },
  stow: {
    summary: 'Store instances (STOW-RS multipart/related; type="application/dicom", or a plain multipart/form-data upload); their studies are queued for analysis',
    consumes: ['multipart/related', 'multipart/form-data'],
    response: {
      200: object('every part stored'),
      202: object('some parts refused (each with its reason)'),
      400: error('malformed multipart body'),
      409: object('no part stored (each with its reason)'),
      413: error('body or study above the size limits'),
      415: error('not multipart'),
      503: error('analysis queue full (instances stored, analysed later)'),
    },
  },
  worklist: { summary: 'The worklist, most urgent first (study-level P(any)); studies not assessed (mostly out of distribution) or not analysed (no conforming slice) after the assessed ones, each with its reason', response: { 200: object('studies', { studies: { type: 'array', items: { type: 'object', additionalProperties: true } } }, ['studies']) } },
  study: { summary: "A study's status, per-slice and study-level results", params: { type: 'object', properties: { uid }, required: ['uid'] }, response: { 200: object('the study'), 404: error('unknown study') } },
  slicePng: {
    summary: "A stored slice rendered in a window, optionally with one label's SHAP attribution over it (computed on first request, then cached)",
    params: { type: 'object', properties: { uid, sop }, required: ['uid', 'sop'] },
    querystring: {
      type: 'object',
      properties: {
        window: { type: 'string', pattern: WINDOW_PATTERN, default: 'brain', description: EXPECTED.window },
        overlay: { type: 'string', enum: [...LABELS], description: 'the label whose attribution is drawn (red raises it, blue lowers it)' },
      },
      additionalProperties: false,
    },
    response: { 200: binary('PNG', 'image/png'), 400: error('bad window or label'), 404: error('unknown instance'), 409: error('the model cannot be explained one slice at a time'), 422: error('the stored file cannot be decoded') },
  },
  sliceInput: {
    summary: "The slice's model input (float32, shape in the X-Shape header), preprocessed as ich predict does: what the viewer feeds onnxruntime-web",
    params: { type: 'object', properties: { uid, sop }, required: ['uid', 'sop'] },
    response: { 200: binary('float32 little-endian', 'application/octet-stream'), 404: error('unknown instance'), 409: error('the model does not take one slice at a time') },
  },
  model: { summary: 'The model: name, date, labels, input, and whether overlays and in-browser inference are available', response: { 200: object('the model') } },
  modelOnnx: { summary: "The model's ONNX graph, for onnxruntime-web", response: { 200: binary('ONNX', 'application/octet-stream'), 409: error('the model does not take one slice at a time') } },
  runtimeFile: (files: readonly string[]) => ({
    summary: 'onnxruntime-web (WebAssembly build) from the installed npm package: the viewer loads nothing from elsewhere',
    params: { type: 'object', properties: { file: { type: 'string', enum: [...files] } }, required: ['file'] },
    response: { 200: binary('the file', 'application/octet-stream'), 404: error('not one of the runtime files') },
  }),
} as const;

/** One of fastify's (Ajv's) validation errors, as much as the message needs. */
export interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params?: { allowedValues?: readonly unknown[] };
}

/** A 400's sentence for a failed validation: "overlay 'bleed': expected one of any, epidural, …"; fastify's own message otherwise. */
export function validationMessage(issues: readonly ValidationIssue[], query: Record<string, unknown> | undefined, fallback: string): string {
  const first = issues[0];
  const name = first?.instancePath.replace(/^\//, '');
  if (!first || !name || !query || !(name in query) || !(name in EXPECTED)) return fallback;
  return `${name} '${String(query[name])}': expected ${EXPECTED[name]}`;
}
