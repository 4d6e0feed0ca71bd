/** The parts of an OpenAPI 3 document the merge touches. */
export interface OpenApiDoc {
  openapi?: string;
  info?: Record<string, unknown>;
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  tags?: Array<{ name: string; description?: string }>;
}

const PUBLIC_PATH = /^\/(api\/v1\/|\.well-known\/)/;

/**
 * Assembles the public document from the services' own documents: only public paths (never
 * /internal), every service's component schemas, one bearer scheme, and the gateway's servers.
 * Schemas with the same name (e.g. the shared ErrorBody) are identical across services, so the
 * first one wins.
 */
export function mergeOpenApi(docs: OpenApiDoc[], info: { title: string; version: string; description: string }): OpenApiDoc & { servers: unknown[] } {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  const tags = new Map<string, { name: string; description?: string }>();
  for (const doc of docs) {
    for (const [p, ops] of Object.entries(doc.paths ?? {})) {
      if (!PUBLIC_PATH.test(p)) continue;
      paths[p] = { ...(paths[p] ?? {}), ...ops };
    }
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      if (!(name in schemas)) schemas[name] = schema;
    }
    for (const t of doc.tags ?? []) if (!tags.has(t.name)) tags.set(t.name, t);
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.0.3',
    info,
    servers: [{ url: '/' }],
    tags: [...tags.values()],
    paths: sortedPaths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
