import { Type } from '@sinclair/typebox';
import { AppError, PageQuery, actorOf, decodeCursor, errorResponses, scopedSecurity, type App } from '@questline/platform';
import type { AuthDependencies } from '../context.js';
import { WEBHOOK_EVENT_TYPES } from '../db/webhook-messages.repository.js';
import { isKeysetCursor } from '../domain/users.js';
import { hasDuplicates } from '../domain/webhooks.js';
import {
  createWebhook,
  deleteWebhook,
  findWebhook,
  retryDelivery,
  rotateWebhookSecret,
  sendTestMessage,
  updateWebhook,
  webhookDeliveriesPage,
  webhooksPage,
  type UrlRefused,
} from '../use-cases/webhooks.use-case.js';
import { principal, scopedGuard } from './guards.js';
import { Timestamp, page } from './schemas.js';

const Webhook = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String(),
    events: Type.Array(Type.String()),
    description: Type.String(),
    enabled: Type.Boolean(),
    disabledReason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Webhook' },
);

const WebhookDelivery = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    messageId: Type.String({ description: 'the `webhook-id` header of every attempt' }),
    eventType: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    deliveredAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'WebhookDelivery' },
);

const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'https:// (http:// only where WEBHOOK_ALLOW_HTTP=true); no credentials, no private address' });
const Events = Type.Array(Type.Union(WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t))), { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true });
const Description = Type.String({ maxLength: 500 });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Secret = Type.String({ description: '`whsec_` + base64 of 32 random bytes; shown only in this answer' });

/** A URL refused: malformed is a validation failure, anything the policy forbids is its own code. */
function urlError(refused: UrlRefused): AppError {
  const malformed = refused.code === 'invalid' || refused.code === 'fragment' || refused.code === 'unresolvable';
  return new AppError(malformed ? 'VALIDATION_FAILED' : 'WEBHOOK_URL_FORBIDDEN', refused.reason, 'url');
}

function checkEvents(events: string[] | undefined): void {
  // uniqueItems is enforced by the schema too; this keeps the field named whatever the validator says.
  if (events && hasDuplicates(events)) throw new AppError('VALIDATION_FAILED', 'each event type at most once', 'events');
}

const notFound = () => new AppError('NOT_FOUND', 'no such webhook');

/** Webhook endpoints (api.md v1.2): an admin's token or a key with `webhooks:write`. */
export function registerWebhookRoutes(app: App, deps: Pick<AuthDependencies, 'ctx' | 'verify'>) {
  const { ctx } = deps;
  const onRequest = scopedGuard(ctx, deps.verify, 'webhooks:write');
  const who = scopedSecurity('webhooks:write');
  const denied = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED'] as const;
  const actor = (request: Parameters<typeof principal>[0]) => actorOf(principal(request));
  const base = '/api/v1/admin/webhooks';

  app.post(
    base,
    {
      onRequest,
      schema: {
        tags: ['webhooks'],
        summary: 'Register a webhook endpoint; its signing secret is in this answer only',
        ...who,
        body: Type.Object({ url: Url, events: Events, description: Type.Optional(Description) }, { additionalProperties: false }),
        response: { 201: Type.Object({ webhook: Webhook, secret: Secret }), ...errorResponses(...denied, 'WEBHOOK_URL_FORBIDDEN') },
      },
    },
    async (request, reply) => {
      checkEvents(request.body.events);
      const outcome = await createWebhook(ctx, actor(request), request.body);
      if (outcome.kind === 'url_refused') throw urlError(outcome);
      return reply.code(201).send({ webhook: outcome.webhook, secret: outcome.secret });
    },
  );

  app.get(
    base,
    {
      onRequest,
      schema: { tags: ['webhooks'], summary: 'Webhook endpoints, newest first (never their secrets)', ...who, querystring: PageQuery, response: { 200: page(Webhook), ...errorResponses(...denied) } },
    },
    async (request) => webhooksPage(ctx, { limit: request.query.limit, before: decodeCursor(request.query.cursor, isKeysetCursor) }),
  );

  app.get(
    `${base}/:id`,
    {
      onRequest,
      schema: { tags: ['webhooks'], summary: 'A webhook endpoint', ...who, params: IdParams, response: { 200: Type.Object({ webhook: Webhook }), ...errorResponses(...denied, 'NOT_FOUND') } },
    },
    async (request) => {
      const webhook = await findWebhook(ctx, request.params.id);
      if (!webhook) throw notFound();
      return { webhook };
    },
  );

  app.patch(
    `${base}/:id`,
    {
      onRequest,
      schema: {
        tags: ['webhooks'],
        summary: 'Change an endpoint; enabling it clears disabledReason',
        ...who,
        params: IdParams,
        body: Type.Object(
          { url: Type.Optional(Url), events: Type.Optional(Events), enabled: Type.Optional(Type.Boolean()), description: Type.Optional(Description) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ webhook: Webhook }), ...errorResponses(...denied, 'NOT_FOUND', 'WEBHOOK_URL_FORBIDDEN') },
      },
    },
    async (request) => {
      checkEvents(request.body.events);
      const outcome = await updateWebhook(ctx, actor(request), request.params.id, request.body);
      if (outcome.kind === 'url_refused') throw urlError(outcome);
      if (outcome.kind === 'not_found') throw notFound();
      return { webhook: outcome.webhook };
    },
  );

  app.delete(
    `${base}/:id`,
    {
      onRequest,
      schema: { tags: ['webhooks'], summary: 'Delete an endpoint: nothing more is sent to it', ...who, params: IdParams, response: { 204: Type.Null(), ...errorResponses(...denied, 'NOT_FOUND') } },
    },
    async (request, reply) => {
      const outcome = await deleteWebhook(ctx, actor(request), request.params.id);
      if (outcome.kind === 'not_found') throw notFound();
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${base}/:id/rotate-secret`,
    {
      onRequest,
      schema: {
        tags: ['webhooks'],
        summary: 'A new signing secret; for 24 hours messages carry signatures by both the old and the new one',
        ...who,
        params: IdParams,
        response: { 200: Type.Object({ secret: Secret }), ...errorResponses(...denied, 'NOT_FOUND') },
      },
    },
    async (request) => {
      const outcome = await rotateWebhookSecret(ctx, actor(request), request.params.id);
      if (outcome.kind === 'not_found') throw notFound();
      return { secret: outcome.secret };
    },
  );

  app.get(
    `${base}/:id/deliveries`,
    {
      onRequest,
      schema: {
        tags: ['webhooks'],
        summary: "An endpoint's delivery log, newest first",
        ...who,
        params: IdParams,
        querystring: Type.Object({
          ...PageQuery.properties,
          status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')])),
        }),
        response: { 200: page(WebhookDelivery), ...errorResponses(...denied, 'NOT_FOUND') },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const outcome = await webhookDeliveriesPage(ctx, { endpointId: request.params.id, status, limit, before: decodeCursor(cursor, isKeysetCursor) });
      if (outcome.kind === 'not_found') throw notFound();
      return outcome.page;
    },
  );

  app.post(
    `${base}/:id/deliveries/:deliveryId/retry`,
    {
      onRequest,
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again now, with the same webhook-id (a failed one becomes pending)',
        ...who,
        params: Type.Object({ id: Type.String({ format: 'uuid' }), deliveryId: Type.String({ format: 'uuid' }) }),
        response: { 202: Type.Null(), ...errorResponses(...denied, 'NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const outcome = await retryDelivery(ctx, request.params.id, request.params.deliveryId);
      if (outcome.kind === 'not_found') throw new AppError('NOT_FOUND', 'no such delivery of this webhook');
      return reply.code(202).send(null);
    },
  );

  app.post(
    `${base}/:id/test`,
    {
      onRequest,
      schema: {
        tags: ['webhooks'],
        summary: 'Send a signed `webhook.test` message now (not stored, not retried) and report how it was answered',
        ...who,
        params: IdParams,
        response: {
          200: Type.Union([
            Type.Object({ statusCode: Type.Integer(), durationMs: Type.Integer() }),
            Type.Object({ error: Type.String(), durationMs: Type.Integer() }),
          ]),
          ...errorResponses(...denied, 'NOT_FOUND'),
        },
      },
    },
    async (request) => {
      const outcome = await sendTestMessage(ctx, request.params.id);
      if (outcome.kind === 'not_found') throw notFound();
      return outcome.kind === 'answered' ? { statusCode: outcome.statusCode, durationMs: outcome.durationMs } : { error: outcome.error, durationMs: outcome.durationMs };
    },
  );
}
