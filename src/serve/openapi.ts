// The service's OpenAPI 3.1 description, served at GET /openapi.json.
import { LABELS } from '../data/labels.js';
import { RUNTIME_FILES } from './browser-inference.js';

const json = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(description, { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] });
const uid = { name: 'uid', in: 'path', required: true, schema: { type: 'string' }, description: 'StudyInstanceUID' };
const sop = { name: 'sop', in: 'path', required: true, schema: { type: 'string' }, description: 'SOPInstanceUID' };
const binary = (description: string, type: string) => ({ description, content: { [type]: { schema: { type: 'string', format: 'binary' } } } });

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'ichdetect service (ich serve)', version: '0.1.0', description: 'Intracranial hemorrhage triage on head CT. Not for diagnostic use.' },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'Required on every route when the service runs with --token' },
      basic: { type: 'http', scheme: 'basic', description: 'The same token as the password (any user name): how a browser opens the viewer' },
    },
  },
  security: [{}, { bearer: [] }, { basic: [] }],
  paths: {
    '/': { get: { summary: 'The web viewer (worklist and study view)', responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } } },
    '/health': { get: { summary: 'Liveness, the model and the queue length', responses: { 200: json('ok') } } },
    '/openapi.json': { get: { summary: 'This description', responses: { 200: json('OpenAPI 3.1 document') } } },
    '/dicom-web/studies': {
      post: {
        summary: 'Store instances (STOW-RS, or a plain form upload); their studies are queued for analysis',
        requestBody: {
          required: true,
          content: {
            'multipart/related; type="application/dicom"': { schema: { type: 'string', format: 'binary' } },
            'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'array', items: { type: 'string', format: 'binary' } } } } },
          },
        },
        responses: {
          200: json('every part stored'),
          202: json('some parts refused (each with its reason)'),
          400: error('malformed multipart body'),
          409: json('no part stored (each with its reason)'),
          413: error('body or study above the size limits'),
          415: error('not multipart'),
          503: error('analysis queue full (instances stored, analysed later)'),
        },
      },
    },
    '/api/studies': { get: { summary: 'The worklist, most urgent first (study-level P(any)); studies not assessed (mostly out of distribution) or not analysed (no conforming slice) after the assessed ones, each with its reason', responses: { 200: json('studies') } } },
    '/api/studies/{uid}': { get: { summary: "A study's status, per-slice and study-level results", parameters: [uid], responses: { 200: json('the study'), 404: error('unknown study') } } },
    '/api/studies/{uid}/slices/{sop}.png': {
      get: {
        summary: 'A stored slice rendered in a window, optionally with one label\'s SHAP attribution over it (computed on first request, then cached)',
        parameters: [
          uid, sop,
          { name: 'window', in: 'query', schema: { type: 'string', default: 'brain' }, description: 'brain, subdural, soft, bone or CENTER/WIDTH' },
          { name: 'overlay', in: 'query', schema: { type: 'string', enum: [...LABELS] }, description: 'the label whose attribution is drawn (red raises it, blue lowers it)' },
        ],
        responses: { 200: binary('PNG', 'image/png'), 400: error('bad window or label'), 404: error('unknown instance'), 409: error('the model cannot be explained one slice at a time') },
      },
    },
    '/api/studies/{uid}/slices/{sop}/input': {
      get: {
        summary: "The slice's model input (float32, shape in the X-Shape header), preprocessed as ich predict does: what the viewer feeds onnxruntime-web",
        parameters: [uid, sop],
        responses: { 200: binary('float32 little-endian', 'application/octet-stream'), 404: error('unknown instance'), 409: error('the model does not take one slice at a time') },
      },
    },
    '/api/model': { get: { summary: 'The model: name, date, labels, input, and whether overlays and in-browser inference are available', responses: { 200: json('the model') } } },
    '/api/model.onnx': { get: { summary: "The model's ONNX graph, for onnxruntime-web", responses: { 200: binary('ONNX', 'application/octet-stream'), 409: error('the model does not take one slice at a time') } } },
    '/vendor/onnxruntime-web/{file}': {
      get: {
        summary: 'onnxruntime-web (WebAssembly build) from the installed npm package: the viewer loads nothing from elsewhere',
        parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(RUNTIME_FILES) } }],
        responses: { 200: binary('the file', 'application/octet-stream'), 404: error('not one of the runtime files') },
      },
    },
  },
} as const;
