import { signInternal } from './internal.js';

import { UpstreamError } from './upstream-error.js';

export { UpstreamError };

export interface ServiceResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ServiceClient {
  request<T = unknown>(method: string, path: string, opts?: { body?: unknown; requestId?: string; headers?: Record<string, string> }): Promise<ServiceResponse<T>>;
}

/**
 * JSON over HTTP to a peer service. Network failures and timeouts become UpstreamError;
 * HTTP error statuses are returned, not thrown, because callers decide what a 409 means.
 */
export function createServiceClient(opts: { service: string; baseUrl: string; internalToken?: string; timeoutMs?: number }): ServiceClient {
  const base = opts.baseUrl.replace(/\/$/, '');
  return {
    async request<T>(method: string, path: string, o: { body?: unknown; requestId?: string; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
      const body = o.body === undefined ? undefined : JSON.stringify(o.body);
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (opts.internalToken) Object.assign(headers, signInternal(opts.internalToken, { method, path, body }));
      if (o.requestId) headers['x-request-id'] = o.requestId;
      let res: Response;
      try {
        res = await fetch(base + path, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
        });
      } catch (err) {
        throw new UpstreamError(opts.service, (err as Error).message);
      }
      const text = await res.text();
      let parsed: unknown = text;
      if (text && (res.headers.get('content-type') ?? '').includes('json')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new UpstreamError(opts.service, 'invalid JSON response', res.status);
        }
      }
      return { status: res.status, body: parsed as T, headers: res.headers };
    },
  };
}
