import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import { ErrorBody, installErrorHandling, sendError } from './errors.js';
import { installValidators } from './validation.js';
import { fastSerializerFactory } from './serializer.js';
import { installBodyHandling } from './body.js';
import { createMetrics, installHttpMetrics, type Metrics } from './metrics.js';
import { requestIdFrom } from './request-id.js';
import { requireInternal } from './internal.js';
import { installIdentityAssertions } from './identity-assertion.js';
import { installDrainBehaviour, isDraining } from './drain.js';
import { installEventStreams } from './event-stream.js';
import { trustProxyOption } from './trust-proxy.js';
import { API_KEY_SECURITY_SCHEME } from './api-keys.js';
import { logDestination } from './log-file.js';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

interface CommonAppOptions {
  service: string;
  logLevel?: string;
  bodyLimit?: number;
  /** Checked by /readyz: the service's database and the peers it cannot work without. */
  readiness?: ReadinessCheck[];
  /** Human title of the OpenAPI document this service contributes to the gateway's. */
  title?: string;
  /** The service's TRUST_PROXY: whose X-Forwarded-For `request.ip` follows (see trust-proxy.ts). */
  trustProxy: string;
}

/**
 * A service passes its INTERNAL_TOKEN, which guards /internal/openapi.json like every /internal
 * route; the public gateway, which serves no such route, says `internalOpenApi: false`. One of the
 * two is required, so no service can end up serving the document unguarded.
 */
export type AppOptions = CommonAppOptions & ({ internalToken: string; internalOpenApi?: never } | { internalOpenApi: false; internalToken?: never });

export interface AppParts {
  app: App;
  metrics: Metrics;
}

const READINESS_TIMEOUT_MS = 1500;

/** The Fastify factory every service uses: request ids, logs, errors, validation, health, metrics, OpenAPI. */
export async function createApp(opts: AppOptions): Promise<AppParts> {
  const stream = logDestination();
  const app = Fastify({
    logger: {
      // The process's LOG_FILE when its entry point opened one (log-file.ts), else stdout.
      ...(stream ? { stream } : {}),
      level: opts.logLevel ?? 'info',
      base: { service: opts.service },
      redact: ['req.headers.authorization', 'req.headers["x-questline-signature"]', 'req.headers["x-questline-identity"]'],
    },
    genReqId: requestIdFrom,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    trustProxy: trustProxyOption(opts.trustProxy),
    // A request that still arrives on an open connection while the server closes is served (with
    // `Connection: close`), not refused with a 503 that no client may safely retry; serve() stops
    // listening only after its drain pause, so these are few.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200 },
    schemaController: { compilersFactory: { buildSerializer: fastSerializerFactory() } },
    // Errors the router raises before any hook runs (bad percent-encoding, an over-long path
    // parameter) would otherwise leave in Fastify's own shape without a request id.
    frameworkErrors: (err, request, reply) => {
      reply.header('x-request-id', request.id);
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(reply, 'URI_TOO_LONG', 'a path parameter is too long');
      if (err.code === 'FST_ERR_BAD_URL') return sendError(reply, 'BAD_REQUEST', 'the URL is not validly percent-encoded');
      request.log.error({ err }, 'router error');
      return sendError(reply, 'INTERNAL', 'internal error');
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installDrainBehaviour(app);
  installEventStreams(app);
  installValidators(app);
  installBodyHandling(app);
  installErrorHandling(app);
  app.addSchema(ErrorBody);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Behind the gateway: the caller it verified arrives signed with the internal credential, and
  // is trusted instead of a second token check (the gateway, without a token of its own, never does).
  if (opts.internalToken !== undefined) installIdentityAssertions(app, opts.internalToken);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: opts.title ?? `Questline ${opts.service}`, version: '1.0.0' },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, apiKey: API_KEY_SECURITY_SCHEME },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => String(json.$id ?? `def-${i}`) },
  });

  const metrics = createMetrics(opts.service);
  installHttpMetrics(app, metrics);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  // 1/0 per readiness check, refreshed whenever /readyz is probed: lets alerts say which
  // dependency (e.g. the database) is unreachable.
  const readinessGauge = metrics.gauge('questline_readiness_check', 'Result of each readiness check at the last probe (1 ok, 0 failing)', ['check']);
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    // A draining instance is on its way out: not ready, whatever its dependencies say.
    if (isDraining(app)) return reply.code(503).send({ status: 'draining', checks: {} });
    const results: Record<string, string> = {};
    let ready = true;
    await Promise.all(
      (opts.readiness ?? []).map(async ({ name, check }) => {
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), READINESS_TIMEOUT_MS).unref()),
          ]);
          results[name] = 'ok';
          readinessGauge.set({ check: name }, 1);
        } catch (err) {
          ready = false;
          readinessGauge.set({ check: name }, 0);
          results[name] = err instanceof Error ? err.message : 'failed';
        }
      }),
    );
    // The service's name and pid let whoever started it (devstack) tell it from another process,
    // even another instance of the same service, that answers on the port it was given.
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', service: opts.service, pid: process.pid, checks: results });
  });
  // The gateway assembles the public OpenAPI document from these (signing its requests); never
  // routed publicly, and like every /internal route refused without the internal credential.
  if (opts.internalToken !== undefined) {
    app.get('/internal/openapi.json', { preValidation: requireInternal(opts.internalToken), schema: { hide: true } }, async () => app.swagger());
  }

  return { app, metrics };
}
