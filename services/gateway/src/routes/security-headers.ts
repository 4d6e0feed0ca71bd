import Fastify from 'fastify';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { App } from '@questline/platform';

// Headers every answer has anyway; everything else the probe answer carries comes from helmet.
const GENERIC = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * Helmet's headers on every answer (API, docs, errors). @fastify/helmet rebuilds its middleware
 * from the options on every request — the largest single cost in the gateway's profile — although
 * with static options (no CSP nonces) the headers never change. So helmet answers once, on a
 * throwaway app with the same options, and its headers are set by one cheap hook from then on.
 */
export async function installSecurityHeaders(app: App, options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  await probe.register(helmet, options);
  probe.get('/', async () => 'probe');
  const res = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  const headers = Object.fromEntries(
    Object.entries(res.headers)
      .filter(([name, value]) => !GENERIC.has(name) && value !== undefined)
      .map(([name, value]) => [name, String(value)]),
  );
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  return headers;
}
