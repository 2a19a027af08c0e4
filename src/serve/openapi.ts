// The head of the service's OpenAPI 3.1 description (GET /openapi.json): @fastify/swagger adds a
// path for every route from the schema declared next to its handler (route-schemas.ts).
import type { SwaggerOptions } from '@fastify/swagger';

type OpenApiHead = NonNullable<Extract<SwaggerOptions, { openapi?: unknown }>['openapi']>;

export const OPENAPI_DOCUMENT: OpenApiHead = {
  openapi: '3.1.0',
  info: { title: 'ichdetect service (ich serve)', version: '0.1.0', description: 'Intracranial hemorrhage triage on head CT. Not for diagnostic use.' },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'Required on every route when the service runs with --token' },
      basic: { type: 'http', scheme: 'basic', description: 'The same token as the password (any user name): how a browser opens the viewer' },
    },
  },
  security: [{}, { bearer: [] }, { basic: [] }],
};
