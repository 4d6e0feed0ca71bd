import { randomUUID } from 'node:crypto';
import {
  checkWebhookUrl,
  generateWebhookSecret,
  postWebhook,
  toPage,
  webhookHeaders,
  webhookMessage,
  type Page,
  type WebhookUrlRefusal,
} from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { insertAudit } from '../db/audit.repository.js';
import {
  abandonPendingDeliveries,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  updateWebhookEndpoint,
  type WebhookDeliveryStatus,
} from '../db/webhook-endpoints.repository.js';
import { encryptWebhookSecret, rotatedSecrets, signingSecretsOf } from '../domain/webhook-secrets.js';
import { toWebhookDeliveryView, toWebhookView, type WebhookDeliveryView, type WebhookView } from '../domain/webhooks.js';

type Ctx = Pick<AuthContext, 'db' | 'webhookSecretKey' | 'webhookPolicy'>;

export type UrlRefused = { kind: 'url_refused'; code: WebhookUrlRefusal; reason: string };
export type NotFound = { kind: 'not_found' };

export interface WebhookInput {
  url: string;
  events: string[];
  description?: string;
}

async function refusalOf(ctx: Ctx, url: string): Promise<UrlRefused | null> {
  const check = await checkWebhookUrl(url, ctx.webhookPolicy);
  return check.ok ? null : { kind: 'url_refused', code: check.code, reason: check.reason };
}

/** Creates an endpoint; its signing secret is in this answer only (stored encrypted). */
export async function createWebhook(ctx: Ctx, actorId: string, input: WebhookInput): Promise<UrlRefused | { kind: 'created'; webhook: WebhookView; secret: string }> {
  const refused = await refusalOf(ctx, input.url);
  if (refused) return refused;
  const secret = generateWebhookSecret();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const created = await insertWebhookEndpoint(trx, {
      url: input.url,
      events: input.events,
      description: input.description ?? '',
      secretEncrypted: encryptWebhookSecret(secret, ctx.webhookSecretKey),
      createdBy: actorId,
    });
    await insertAudit(trx, { actorId, action: 'webhook.created', entity: 'webhook', entityKey: created.id, details: { url: created.url, events: created.events } });
    return created;
  });
  return { kind: 'created', webhook: toWebhookView(row), secret };
}

export async function webhooksPage(ctx: Ctx, page: { limit: number; before?: [string, string] }): Promise<Page<WebhookView>> {
  const rows = await listWebhookEndpoints(ctx.db, { limit: page.limit + 1, before: page.before });
  const { items, nextCursor } = toPage(rows, page.limit, (last) => [last.sort_ts, last.id]);
  return { items: items.map(toWebhookView), nextCursor };
}

export async function findWebhook(ctx: Ctx, id: string): Promise<WebhookView | null> {
  const row = await findWebhookEndpoint(ctx.db, id);
  return row ? toWebhookView(row) : null;
}

export interface WebhookPatch {
  url?: string;
  events?: string[];
  enabled?: boolean;
  description?: string;
}

/** Enabling clears disabledReason and the failure window (the 5-day rule starts afresh). */
export async function updateWebhook(ctx: Ctx, actorId: string, id: string, patch: WebhookPatch): Promise<UrlRefused | NotFound | { kind: 'updated'; webhook: WebhookView }> {
  if (patch.url !== undefined) {
    const refused = await refusalOf(ctx, patch.url);
    if (refused) return refused;
  }
  return ctx.db.transaction().execute(async (trx) => {
    const current = await findWebhookEndpoint(trx, id, true);
    if (!current) return { kind: 'not_found' } as const;
    const enabling = patch.enabled === true && !current.enabled;
    const row = await updateWebhookEndpoint(trx, id, {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: patch.events } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.enabled === true ? { disabled_reason: null } : {}),
      ...(enabling ? { failing_since: null } : {}),
      ...(patch.enabled === false && current.enabled ? { disabled_reason: 'disabled by an administrator' } : {}),
    });
    await insertAudit(trx, { actorId, action: 'webhook.updated', entity: 'webhook', entityKey: id, details: { ...patch } });
    return { kind: 'updated', webhook: toWebhookView(row) } as const;
  });
}

/** Soft delete: the row stays for the delivery log's joins; nothing more is sent to it. */
export async function deleteWebhook(ctx: Ctx, actorId: string, id: string): Promise<NotFound | { kind: 'deleted' }> {
  return ctx.db.transaction().execute(async (trx) => {
    const current = await findWebhookEndpoint(trx, id, true);
    if (!current) return { kind: 'not_found' } as const;
    await updateWebhookEndpoint(trx, id, { deleted_at: new Date(), enabled: false });
    await abandonPendingDeliveries(trx, id, 'endpoint deleted');
    await insertAudit(trx, { actorId, action: 'webhook.deleted', entity: 'webhook', entityKey: id, details: { url: current.url } });
    return { kind: 'deleted' } as const;
  });
}

/**
 * A new secret; the current one keeps signing alongside it for 24 hours. A rotation within the
 * overlap of the previous one drops the oldest: at most two secrets sign.
 */
export async function rotateWebhookSecret(ctx: Ctx, actorId: string, id: string, now: Date = new Date()): Promise<NotFound | { kind: 'rotated'; secret: string }> {
  const secret = generateWebhookSecret();
  return ctx.db.transaction().execute(async (trx) => {
    const current = await findWebhookEndpoint(trx, id, true);
    if (!current) return { kind: 'not_found' } as const;
    const secrets = rotatedSecrets(current.secret_encrypted, secret, ctx.webhookSecretKey, now);
    await updateWebhookEndpoint(trx, id, secrets);
    await insertAudit(trx, {
      actorId,
      action: 'webhook.secret_rotated',
      entity: 'webhook',
      entityKey: id,
      details: { previousSecretExpiresAt: secrets.previous_secret_expires_at!.toISOString() },
    });
    return { kind: 'rotated', secret } as const;
  });
}

export async function webhookDeliveriesPage(
  ctx: Ctx,
  q: { endpointId: string; status?: WebhookDeliveryStatus; limit: number; before?: [string, string] },
): Promise<NotFound | { kind: 'page'; page: Page<WebhookDeliveryView> }> {
  if (!(await findWebhookEndpoint(ctx.db, q.endpointId))) return { kind: 'not_found' };
  const rows = await listWebhookDeliveries(ctx.db, { ...q, limit: q.limit + 1 });
  const { items, nextCursor } = toPage(rows, q.limit, (last) => [last.sort_ts, last.id]);
  return { kind: 'page', page: { items: items.map(toWebhookDeliveryView), nextCursor } };
}

export async function retryDelivery(ctx: Pick<AuthContext, 'db' | 'nudge'>, endpointId: string, deliveryId: string): Promise<NotFound | { kind: 'queued' }> {
  if (!(await findWebhookEndpoint(ctx.db, endpointId))) return { kind: 'not_found' };
  if (!(await retryWebhookDelivery(ctx.db, endpointId, deliveryId))) return { kind: 'not_found' };
  // Due now: the relay sends it at once rather than at its next poll.
  ctx.nudge('webhook');
  return { kind: 'queued' };
}

export type TestOutcome = NotFound | { kind: 'answered'; statusCode: number; durationMs: number } | { kind: 'failed'; error: string; durationMs: number };

/** Sends a signed `webhook.test` now, outside the outbox: it is not stored, nor retried. */
export async function sendTestMessage(ctx: Ctx, id: string, now: Date = new Date()): Promise<TestOutcome> {
  const endpoint = await findWebhookEndpoint(ctx.db, id);
  if (!endpoint) return { kind: 'not_found' };
  const body = webhookMessage('webhook.test', {}, now);
  const headers = webhookHeaders({ id: randomUUID(), timestamp: Math.floor(now.getTime() / 1000), body }, signingSecretsOf(endpoint, ctx.webhookSecretKey, now));
  const result = await postWebhook(endpoint.url, { headers: { ...headers }, body }, { policy: ctx.webhookPolicy });
  return result.kind === 'answered'
    ? { kind: 'answered', statusCode: result.statusCode, durationMs: result.durationMs }
    : { kind: 'failed', error: result.error, durationMs: result.durationMs };
}
