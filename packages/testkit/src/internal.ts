import type { FastifyInstance, InjectOptions } from 'fastify';
import { signInternal } from '@questline/platform';

/** Headers of a correctly signed internal call (for raw HTTP in tests). */
export function internalHeaders(secret: string, method: string, path: string, body?: string): Record<string, string> {
  return signInternal(secret, { method, path, body });
}

/** app.inject for /internal routes: serializes the payload and signs the exact bytes sent. */
export function injectInternal(
  app: FastifyInstance,
  secret: string,
  opts: { method?: string; url: string; payload?: unknown; headers?: Record<string, string> },
) {
  const method = opts.method ?? 'GET';
  const body = opts.payload === undefined ? undefined : JSON.stringify(opts.payload);
  const request: InjectOptions = {
    method: method as InjectOptions['method'],
    url: opts.url,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...internalHeaders(secret, method, opts.url, body),
      ...opts.headers,
    },
    ...(body !== undefined ? { payload: body } : {}),
  };
  return app.inject(request);
}
