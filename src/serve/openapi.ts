// The service's OpenAPI 3.1 description, served at GET /openapi.json.

const json = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(description, { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] });
const uid = { name: 'uid', in: 'path', required: true, schema: { type: 'string' }, description: 'StudyInstanceUID' };

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'ichdetect service (ich serve)', version: '0.1.0', description: 'Intracranial hemorrhage triage on head CT. Not for diagnostic use.' },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Required on every route when the service runs with --token' } } },
  security: [{}, { bearer: [] }],
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
    '/api/studies': { get: { summary: 'The worklist, most urgent first (study-level P(any))', responses: { 200: json('studies') } } },
    '/api/studies/{uid}': { get: { summary: "A study's status, per-slice and study-level results", parameters: [uid], responses: { 200: json('the study'), 404: error('unknown study') } } },
    '/api/studies/{uid}/slices/{sop}.png': {
      get: {
        summary: 'A stored slice rendered in a window',
        parameters: [uid, { name: 'sop', in: 'path', required: true, schema: { type: 'string' } }, { name: 'window', in: 'query', schema: { type: 'string', default: 'brain' }, description: 'brain, subdural, soft, bone or CENTER/WIDTH' }],
        responses: { 200: { description: 'PNG', content: { 'image/png': { schema: { type: 'string', format: 'binary' } } } }, 400: error('bad window'), 404: error('unknown instance') },
      },
    },
  },
} as const;
