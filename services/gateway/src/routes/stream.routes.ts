import { StringDecoder } from 'node:string_decoder';
import { Type } from '@sinclair/typebox';
import { createParser } from 'eventsource-parser';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, openEventStream, requireAuth, UpstreamError, type App, type Metrics } from '@questline/platform';
import type { InternalUser, StreamTicketRedemption } from '@questline/contracts';
import type { Static } from '@sinclair/typebox';
import type { GatewayContext } from '../context.js';
import type { FeedOpening } from '../clients/feed-upstream.js';
import { StreamJoin, type FeedHalf } from '../domain/stream-join.js';
import type { EdgeHook, EdgeLimits } from './edge-limits.js';

const StreamQuery = Type.Object({ ticket: Type.Optional(Type.String({ maxLength: 200 })) });

/** A refused upstream opening as the player should hear it. */
function refusal(half: FeedHalf, opening: Exclude<FeedOpening, { kind: 'open' }>): AppError {
  if (opening.kind === 'refused' && opening.code === 'USER_BANNED') return new AppError('USER_BANNED', 'this account is banned');
  if (opening.kind === 'refused' && opening.status === 404) return new AppError('UNAUTHENTICATED', 'the account of this credential no longer exists');
  return new AppError('UPSTREAM_UNAVAILABLE', `${half} is unavailable, retry later`, undefined, { 'retry-after': '1' });
}

/**
 * GET /api/v1/me/stream: the player's live stream, joined here from auth's and progress's feeds of
 * that user (each service fans its replicas' changes out through its own database's
 * LISTEN/NOTIFY, so whichever replica a feed lands on hears every change). Counted once by the edge
 * limits like any request; no proxy timeout applies to it, only the feeds' idle limit.
 */
export function streamRoutes(app: App, ctx: GatewayContext, limits: EdgeLimits, metrics: Metrics) {
  const { verify, keys, feeds } = ctx;
  const auth = ctx.upstreams.auth;
  const open = metrics.gauge('questline_streams_open', 'Live streams (GET /api/v1/me/stream) open on this gateway');
  const tokenGuard = requireAuth(verify, { keys });
  const perUser = new Map<string, number>();

  // A ticket (the browser's EventSource cannot send headers) or, failing one, an access token.
  const credential: EdgeHook = async (request, reply) => {
    const { ticket } = request.query as Static<typeof StreamQuery>;
    if (ticket === undefined) return tokenGuard(request, reply);
    let res;
    try {
      res = await authClientRedeem(ctx, ticket, String(request.id));
    } catch (err) {
      if (err instanceof UpstreamError) throw new AppError('UPSTREAM_UNAVAILABLE', 'auth is unavailable, retry later', undefined, { 'retry-after': '1' });
      throw err;
    }
    if (res.status === 401 || res.status === 400) throw new AppError('UNAUTHENTICATED', 'the stream ticket is unknown, expired or used already');
    if (res.status === 403) throw new AppError('USER_BANNED', 'this account is banned');
    if (res.status !== 200) throw new AppError('UPSTREAM_UNAVAILABLE', 'auth is unavailable, retry later', undefined, { 'retry-after': '1' });
    const user = (res.body as { user: InternalUser }).user;
    request.user = { id: user.id, role: user.role, status: user.status, timezone: user.timezone };
  };

  app.get(
    '/api/v1/me/stream',
    {
      schema: { hide: true, querystring: StreamQuery },
      config: { rateLimit: false },
      onRequest: [limits.perIp, credential, limits.perUser],
    },
    async (request, reply) => {
      const userId = request.user!.id;
      const held = perUser.get(userId) ?? 0;
      if (held >= ctx.config.STREAM_MAX_PER_USER) {
        throw new AppError('RATE_LIMITED', `at most ${ctx.config.STREAM_MAX_PER_USER} live streams per user at once; close one first`, undefined, { 'retry-after': '5' });
      }
      // Counted from here, while the feeds open, so that a burst of opens cannot pass the check together.
      perUser.set(userId, held + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (perUser.get(userId) ?? 1) - 1;
        if (left > 0) perUser.set(userId, left);
        else perUser.delete(userId);
      };
      try {
        await serve(request, reply, userId, release);
      } catch (err) {
        release();
        throw err;
      }
      return reply;
    },
  );

  async function serve(request: FastifyRequest, reply: FastifyReply, userId: string, release: () => void) {
    const abort = new AbortController();
    const path = `/internal/users/${userId}/stream`;
    const requestId = String(request.id);
    const [authFeed, progressFeed] = await Promise.all([
      feeds.open(auth.baseUrl, path, requestId, abort.signal),
      feeds.open(ctx.upstreams.progress.baseUrl, path, requestId, abort.signal),
    ]);
    if (authFeed.kind !== 'open' || progressFeed.kind !== 'open') {
      abort.abort();
      throw authFeed.kind !== 'open' ? refusal('auth', authFeed) : refusal('progress', progressFeed as Exclude<FeedOpening, { kind: 'open' }>);
    }
    const stream = openEventStream(app, request, reply);
    open.inc();
    stream.onClose(() => {
      open.dec();
      release();
      abort.abort();
    });
    const join = new StreamJoin();
    for (const [half, body] of [['auth', authFeed.body], ['progress', progressFeed.body]] as const) {
      const parser = createParser({
        onEvent: (e) => {
          try {
            for (const out of join.accept(half, { event: e.event ?? 'message', data: e.data })) stream.send(out.event, out.data);
          } catch (err) {
            logEnd(request, half, err);
            stream.close();
          }
        },
      });
      // Multi-byte characters may be split across chunks; the decoder keeps the partial ones.
      const decoder = new StringDecoder('utf8');
      body.on('data', (chunk: Buffer) => parser.feed(decoder.write(chunk)));
      // A feed that ends (a ban, a restarting service) or breaks ends the player's stream: the
      // client reconnects to a fresh snapshot, possibly on another replica.
      body.on('end', () => stream.close());
      body.on('error', (err) => {
        if (!stream.closed) logEnd(request, half, err);
        stream.close();
      });
    }
  }
}

function logEnd(request: FastifyRequest, half: FeedHalf, err: unknown) {
  request.log.info({ err, upstream: half }, 'live stream ended by its upstream feed');
}

async function authClientRedeem(ctx: GatewayContext, ticket: string, requestId: string) {
  return ctx.authClient.request<Static<typeof StreamTicketRedemption>>('POST', '/internal/stream-tickets/redeem', { body: { ticket }, requestId });
}
