import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, SignJWT } from 'jose';
import { parseConfig, type App } from '@questline/platform';
import { generateSigningJwk } from '@questline/testkit';
import { buildApp } from '../../src/app.js';
import { ConfigSchema, type Config } from '../../src/config.js';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Behaviour = (req: IncomingMessage, res: ServerResponse, recorded: Recorded) => void | Promise<void>;

/**
 * A small real HTTP server standing in for one of our services behind the gateway: it records
 * every request that reaches it and answers as told (by default 200 with what it received).
 * It can be stopped and started again on the same port, like a service restarting.
 */
export interface StandIn {
  url: string;
  requests: Recorded[];
  /** Requests that reached the stand-in, the gateway's own fetches (JWKS, OpenAPI) not counted. */
  apiRequests(): Recorded[];
  behave(fn: Behaviour | undefined): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export async function startStandIn(name: string, jwks?: unknown): Promise<StandIn> {
  const requests: Recorded[] = [];
  let behaviour: Behaviour | undefined;
  let server: Server;
  let port = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      if (jwks && recorded.url === '/.well-known/jwks.json') return json(res, 200, jwks);
      if (recorded.url === '/internal/openapi.json') return json(res, 200, { openapi: '3.0.3', paths: {} });
      if (behaviour) return behaviour(req, res, recorded);
      json(res, 200, { service: name, method: recorded.method, url: recorded.url, bytes: recorded.body.length });
    })();
  };
  const start = async () => {
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    apiRequests: () => requests.filter((r) => r.url !== '/.well-known/jwks.json' && r.url !== '/internal/openapi.json'),
    behave: (fn) => void (behaviour = fn),
    start,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Upstreams {
  auth: StandIn;
  catalog: StandIn;
  progress: StandIn;
  token(claims: { sub: string; role?: 'player' | 'admin'; status?: string; expiresIn?: string }): Promise<string>;
  close(): Promise<void>;
}

/** Three stand-ins; auth's also serves the JWKS our test tokens are signed for. */
export async function startUpstreams(): Promise<Upstreams> {
  const jwk = JSON.parse(await generateSigningJwk()) as Record<string, string>;
  const { d: _private, ...publicJwk } = jwk;
  const key = await importJWK(jwk, 'EdDSA');
  const [auth, catalog, progress] = await Promise.all([
    startStandIn('auth', { keys: [publicJwk] }),
    startStandIn('catalog'),
    startStandIn('progress'),
  ]);
  return {
    auth,
    catalog,
    progress,
    token: ({ sub, role = 'player', status = 'active', expiresIn = '15m' }) =>
      new SignJWT({ role, status, tz: 'UTC' })
        .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid! })
        .setSubject(sub)
        .setIssuer('questline-auth')
        .setAudience('questline')
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(key),
    close: async () => {
      await Promise.all([auth.stop(), catalog.stop(), progress.stop()]);
    },
  };
}

/** A real gateway (buildApp) listening on a free port, routed to the stand-ins. */
export async function startGateway(up: Upstreams, env: Record<string, string> = {}): Promise<{ app: App; url: string; config: Config }> {
  const config = parseConfig(ConfigSchema, {
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    INTERNAL_TOKEN: 'test-internal-token-0123456789',
    AUTH_URL: up.auth.url,
    CATALOG_URL: up.catalog.url,
    PROGRESS_URL: up.progress.url,
    ...env,
  });
  const app = await buildApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, config };
}
