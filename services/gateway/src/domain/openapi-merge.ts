import { API_KEY_SECURITY_SCHEME } from '@questline/platform';
import { PUBLIC_TAGS, publicTagOf } from './openapi-tags.js';

/** The parts of an OpenAPI 3 document the merge touches. */
export interface OpenApiDoc {
  openapi?: string;
  info?: Record<string, unknown>;
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  tags?: Array<{ name: string; description?: string }>;
}

export interface ServiceDoc {
  service: string;
  doc: OpenApiDoc;
}

interface Operation {
  tags?: string[];
  parameters?: Array<{ in?: string; required?: boolean; schema?: { default?: unknown } }>;
  requestBody?: unknown;
  security?: unknown[];
  responses?: Record<string, { description?: string; [k: string]: unknown }>;
}

const PUBLIC_PATH = /^\/(api\/v1\/|\.well-known\/)/;
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const SCHEMA_REF = '#/components/schemas/';

/** The api.md error shape, for documents that do not carry it already. */
const ERROR_BODY = {
  title: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'requestId'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' }, field: { type: 'string' } },
    },
  },
};

const DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
  304: 'Not modified (the If-None-Match ETag matched)',
  400: 'VALIDATION_FAILED (names the field) or another bad-request code',
  401: 'UNAUTHENTICATED: missing, invalid or expired access token (or the operation\'s own 401 code)',
  403: 'FORBIDDEN (wrong role or another user\'s data) or USER_BANNED',
  404: 'NOT_FOUND',
  409: 'Conflict: the operation\'s own code (see the summary)',
  413: 'PAYLOAD_TOO_LARGE: body over 1 MiB (4 MiB for the admin event batch)',
  429: 'RATE_LIMITED: retry after the Retry-After seconds',
  503: 'UPSTREAM_UNAVAILABLE: the owning service is down or its circuit is open; retry later',
  504: 'UPSTREAM_TIMEOUT: the owning service did not answer in time',
};

const errorResponse = (status: string, extra: Record<string, unknown> = {}) => ({
  description: DESCRIPTIONS[status],
  content: { 'application/json': { schema: { $ref: `${SCHEMA_REF}ErrorBody` } } },
  ...extra,
});

/**
 * The errors the gateway itself produces in front of every operation. They are the gateway's own
 * knowledge, so it adds them; everything else comes from the services' route schemas.
 */
export function addEdgeResponses(op: Operation): void {
  const responses = (op.responses ??= {});
  const add = (status: string, extra?: Record<string, unknown>) => {
    if (!(status in responses)) responses[status] = errorResponse(status, extra);
  };
  if (op.security?.length) add('401');
  if (op.requestBody) add('413');
  add('429', { headers: { 'Retry-After': { description: 'Seconds until the limit resets', schema: { type: 'integer' } } } });
  add('503');
  add('504');
  for (const [status, res] of Object.entries(responses)) {
    if ((!res.description || res.description === 'Default Response') && DESCRIPTIONS[status]) res.description = DESCRIPTIONS[status];
  }
}

/**
 * What a reader of the public document should see of an operation: its section by path, and a
 * query parameter with a default (`limit`) as optional, which it is (Fastify's schema lists it as
 * required because the default fills it in before validation).
 */
function publicShape(op: Operation, path: string): void {
  const tag = publicTagOf(path);
  if (tag) op.tags = [tag];
  for (const param of op.parameters ?? []) {
    if (param.in === 'query' && param.required && param.schema && 'default' in param.schema) param.required = false;
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Rewrites `$ref`s to renamed component schemas anywhere in a (JSON) value. */
function renameRefs(value: unknown, renames: Map<string, string>): unknown {
  if (renames.size === 0) return value;
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, renames));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF)) {
          const renamed = renames.get(v.slice(SCHEMA_REF.length));
          return [k, renamed ? SCHEMA_REF + renamed : v];
        }
        return [k, renameRefs(v, renames)];
      }),
    );
  }
  return value;
}

/**
 * Assembles the public document from the services' own documents: only public paths (never
 * /internal), every service's component schemas, one bearer scheme, the gateway's servers, and the
 * gateway's own error responses on every operation. Schemas with the same name and content (the
 * shared ErrorBody) are kept once; a name two services use for different schemas is prefixed with
 * the service's name, and that service's references follow the rename.
 */
export function mergeOpenApi(docs: ServiceDoc[], info: { title: string; version: string; description: string }): OpenApiDoc & { servers: unknown[] } {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  const tags = new Map<string, { name: string; description?: string }>();
  for (const { service, doc } of docs) {
    const renames = new Map<string, string>();
    const own = doc.components?.schemas ?? {};
    for (const [name, schema] of Object.entries(own)) {
      if (name in schemas && stableJson(schemas[name]) !== stableJson(schema)) renames.set(name, `${service}_${name}`);
    }
    for (const [name, schema] of Object.entries(own)) {
      const target = renames.get(name) ?? name;
      if (!(target in schemas)) schemas[target] = renameRefs(schema, renames);
    }
    for (const [p, ops] of Object.entries(doc.paths ?? {})) {
      if (!PUBLIC_PATH.test(p)) continue;
      const merged = { ...(paths[p] ?? {}) };
      for (const [method, op] of Object.entries(ops)) {
        const copy = renameRefs(structuredClone(op), renames);
        if (METHODS.has(method) && copy && typeof copy === 'object') {
          addEdgeResponses(copy as Operation);
          publicShape(copy as Operation, p);
        }
        merged[method] = copy;
      }
      paths[p] = merged;
    }
    for (const t of doc.tags ?? []) if (!tags.has(t.name)) tags.set(t.name, t);
  }
  schemas.ErrorBody ??= ERROR_BODY;
  // Only tags some operation still carries (a path no rule files keeps its service's tag).
  const used = new Set(Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((op) => ((op as Operation).tags ?? []))));
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.0.3',
    info,
    servers: [{ url: '/' }],
    tags: [...PUBLIC_TAGS.map((t) => ({ ...t })), ...[...tags.values()].filter((t) => !PUBLIC_TAGS.some((p) => p.name === t.name) && used.has(t.name))],
    paths: sortedPaths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, apiKey: API_KEY_SECURITY_SCHEME },
    },
  };
}
