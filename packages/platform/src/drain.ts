import type { FastifyInstance } from 'fastify';

/**
 * Whether an app is draining (it got SIGTERM). Kept beside the app rather than on it, so that
 * createApp can install the behaviour and serve() can switch it on without a Fastify decorator.
 */
const draining = new WeakMap<object, { on: boolean }>();

/**
 * While draining, /readyz answers 503 and every response says `Connection: close`. A keep-alive
 * client (the gateway's pool, a kube-proxy'd connection, the ingress controller) then opens a new
 * connection for its next request, which the Service sends to a ready pod — instead of the old
 * pod closing the connection under a request the client may already be sending, which a client
 * can only retry safely for idempotent requests.
 */
export function installDrainBehaviour(app: FastifyInstance): void {
  const state = { on: false };
  draining.set(app, state);
  // At send time, not on arrival: a request already in flight when SIGTERM came must close its
  // connection too, or that connection stays open (idle, keep-alive) and the server never closes.
  // A callback hook: it runs on every response, and an async one costs a promise each time.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (state.on) reply.header('connection', 'close');
    done(null, payload);
  });
}

export function isDraining(app: FastifyInstance): boolean {
  return draining.get(app)?.on ?? false;
}

/** Switches the drain behaviour on (serve() does this on SIGTERM). */
export function beginDrain(app: FastifyInstance): void {
  const state = draining.get(app);
  if (state) state.on = true;
}
