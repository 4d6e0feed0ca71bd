import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import { Histogram, type Counter } from 'prom-client';
import {
  backoffMs,
  createOutboxRelay,
  deadLetter,
  delivered,
  eachLimited,
  postWebhook,
  retryLater,
  webhookHeaders,
  type DeliveryContext,
  type DeliveryOutcome,
  type Metrics,
  type OutboundPolicy,
  type OutboxRelay,
  type OutboxRelayMetrics,
  type Settlement,
} from '@questline/platform';
import type { AuthDatabase } from '../db/schema.js';
import {
  disableFailingEndpoints,
  holdEndpointBacklog,
  findDeliveryTargets,
  recordAttempts,
  recordEndpointHealth,
  webhookDeliveryStore,
  type AttemptRecord,
  type DeliveryTarget,
  type WebhookDeliveryRow,
} from '../db/webhook-deliveries.repository.js';
import { signingSecretsOf } from '../domain/webhook-secrets.js';
import {
  DISABLED_REASON,
  loggedResponse,
  verdictOf,
  WEBHOOK_BACKOFF,
  WEBHOOK_DISABLE_AFTER_MS,
  WEBHOOK_RESPONSE_LOG_CHARS,
} from '../domain/webhook-delivery.js';

/** Endpoints served at once by a lane; each endpoint's deliveries of a batch go one after the other. */
const ENDPOINT_CONCURRENCY = 16;
/**
 * Relays sharing the table in this process (like replicas): while one waits out a hanging
 * receiver's timeout, the others claim and send the rows of the other endpoints.
 */
const LANES = 4;
const NUDGE_DELAY_MS = 20;

export interface WebhookRelayMetrics {
  deliveries: Counter<string>;
  latency: Histogram<string>;
  disabled: Counter<string>;
}

export function createWebhookRelayMetrics(metrics: Metrics): WebhookRelayMetrics {
  return {
    deliveries: metrics.counter('questline_webhook_deliveries_total', 'Webhook delivery attempts, by endpoint and outcome (succeeded, failed, dead)', ['endpoint', 'outcome']),
    latency: new Histogram({
      name: 'questline_webhook_delivery_seconds',
      help: 'From a webhook message written (its cause committed) to its receiver accepting it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000],
      registers: [metrics.registry],
    }),
    disabled: metrics.counter('questline_webhook_endpoints_disabled_total', 'Webhook endpoints disabled after 5 days of failed deliveries'),
  };
}

export interface WebhookRelayOptions {
  db: Kysely<AuthDatabase>;
  /** The AES key the endpoints' signing secrets are encrypted under. */
  secretKey: Buffer;
  policy: OutboundPolicy;
  /** One attempt's limit (connect, answer, body); the lease is four times it. */
  timeoutMs: number;
  batchSize: number;
  pollMs: number;
  log: FastifyBaseLogger;
  relayMetrics?: OutboxRelayMetrics;
  metrics?: WebhookRelayMetrics;
  /** The clock of signatures and of the 5-day rule (tests move it). */
  now?: () => Date;
  /** Relays over the table in this process (default 4). */
  lanes?: number;
}

interface Attempt {
  outcome: DeliveryOutcome;
  record?: AttemptRecord;
  endpointOk?: boolean;
}

/**
 * Sends webhook deliveries through the platform outbox relay over `webhook_deliveries`: each
 * attempt signed afresh (new timestamp, same webhook-id and body), posted with the safe outbound
 * client, retried on the api.md schedule, then `failed`. Endpoints are served in parallel and each
 * endpoint's rows one by one; after a failure the endpoint's other rows of the batch are released
 * untried, so a hanging receiver costs one timeout per batch, not one per message, and the other
 * endpoints' rows of the batch go out meanwhile. Lanes (see LANES and webhookDeliveryStore) keep
 * the endpoints' next rows moving while a batch waits for such a timeout.
 */
export function createWebhookRelay(o: WebhookRelayOptions): OutboxRelay {
  const now = o.now ?? (() => new Date());
  const log = o.log;

  async function attempt(row: WebhookDeliveryRow, target: DeliveryTarget | undefined): Promise<Attempt> {
    if (!target) return { outcome: deadLetter('message or endpoint missing') };
    if (target.deleted) return { outcome: deadLetter('endpoint deleted') };
    if (!target.enabled) return { outcome: deadLetter('endpoint disabled') };
    let secrets: string[];
    try {
      secrets = signingSecretsOf(target, o.secretKey, now());
    } catch (err) {
      // WEBHOOK_SECRET_KEY changed or the row is damaged: not the receiver's fault; the backlog alert shows it.
      log.error({ err, endpointId: row.endpoint_id }, 'webhook relay: cannot decrypt the signing secret');
      return { outcome: retryLater('signing secret unreadable') };
    }
    const headers = webhookHeaders({ id: target.messageId, timestamp: Math.floor(now().getTime() / 1000), body: target.body }, secrets);
    const result = await postWebhook(target.url, { headers, body: target.body }, {
      policy: o.policy,
      timeoutMs: o.timeoutMs,
      maxResponseBytes: WEBHOOK_RESPONSE_LOG_CHARS * 4,
    });
    const verdict = verdictOf(result, row.attempts);
    const { statusCode, response } = loggedResponse(result);
    const record = { deliveryId: row.id, statusCode, response };
    if (verdict.kind === 'succeeded') {
      o.metrics?.deliveries.inc({ endpoint: row.endpoint_id, outcome: 'succeeded' });
      o.metrics?.latency.observe(Math.max(0, Date.now() - target.messageCreatedAt.getTime()) / 1000);
      return { outcome: delivered, record, endpointOk: true };
    }
    o.metrics?.deliveries.inc({ endpoint: row.endpoint_id, outcome: verdict.final ? 'dead' : 'failed' });
    return { outcome: verdict.final ? deadLetter(verdict.error) : retryLater(verdict.error), record, endpointOk: false };
  }

  const store = webhookDeliveryStore(o.db);

  function settlementOf(row: WebhookDeliveryRow, outcome: DeliveryOutcome | undefined): Settlement<WebhookDeliveryRow> {
    if (!outcome) return { row, outcome: 'released' };
    if (outcome.status === 'delivered') return { row, outcome: 'delivered' };
    if (outcome.status === 'dead') return { row, outcome: 'dead', error: outcome.error };
    return { row, outcome: 'retry', error: outcome.error, delayMs: backoffMs(row.attempts, WEBHOOK_BACKOFF) };
  }

  /** After an endpoint's failure, the 5-day rule. */
  async function disableIfFailedLongEnough(endpointId: string, at: Date): Promise<void> {
    const failingBefore = new Date(at.getTime() - WEBHOOK_DISABLE_AFTER_MS);
    const disabled = await disableFailingEndpoints(o.db, [endpointId], failingBefore, DISABLED_REASON, at);
    for (const id of disabled) {
      o.metrics?.disabled.inc();
      log.warn({ endpointId: id }, 'webhook relay: endpoint disabled after 5 days of failed deliveries');
    }
  }

  async function serveEndpoint(endpointId: string, group: WebhookDeliveryRow[], targets: Map<string, DeliveryTarget>, signal: AbortSignal) {
    const outcomes = new Array<DeliveryOutcome | undefined>(group.length);
    const records: AttemptRecord[] = [];
    let ok = false;
    let failed = false;
    let failedRow: WebhookDeliveryRow | undefined;
    for (const [i, row] of group.entries()) {
      // Past half the lease the rest is released (sent by the next pass) rather than sent late.
      if (signal.aborted) break;
      const a = await attempt(row, targets.get(row.id));
      outcomes[i] = a.outcome;
      if (a.record) records.push(a.record);
      if (a.endpointOk === true) ok = true;
      if (a.endpointOk === false) {
        failed = true;
        failedRow = row;
        break;
      }
    }
    await recordAttempts(o.db, records);
    // Settled now, not with the batch: the endpoint's lease ends here, so another lane may serve it
    // while this batch still waits for a slower receiver. The batch's settle of the same rows then
    // matches nothing: the store settles only rows that still hold this claim's lease.
    await store.settle(group.map((row, i) => settlementOf(row, outcomes[i])));
    // Its other deliveries wait with the failed one rather than being due again at once.
    if (failedRow) await holdEndpointBacklog(o.db, endpointId, backoffMs(failedRow.attempts, WEBHOOK_BACKOFF));
    const at = now();
    await recordEndpointHealth(o.db, ok ? [endpointId] : [], failed ? [endpointId] : [], at);
    if (failed && !ok) await disableIfFailedLongEnough(endpointId, at);
    return outcomes;
  }

  async function deliver(rows: WebhookDeliveryRow[], { signal }: DeliveryContext): Promise<Array<DeliveryOutcome | undefined>> {
    const targets = await findDeliveryTargets(o.db, rows.map((r) => r.id));
    const byEndpoint = new Map<string, number[]>();
    for (const [i, row] of rows.entries()) byEndpoint.set(row.endpoint_id, [...(byEndpoint.get(row.endpoint_id) ?? []), i]);
    const outcomes = new Array<DeliveryOutcome | undefined>(rows.length);
    await eachLimited([...byEndpoint], ENDPOINT_CONCURRENCY, async ([endpointId, indexes]) => {
      const served = await serveEndpoint(endpointId, indexes.map((i) => rows[i]!), targets, signal);
      for (const [k, i] of indexes.entries()) outcomes[i] = served[k];
    });
    return outcomes;
  }

  const lanes = Array.from({ length: o.lanes ?? LANES }, () =>
    createOutboxRelay<WebhookDeliveryRow>({
      name: 'webhook',
      store,
      deliver,
      batchSize: o.batchSize,
      pollMs: o.pollMs,
      // New requests stop at half the lease, so an attempt begun just before still ends inside it.
      leaseMs: o.timeoutMs * 4,
      backoff: WEBHOOK_BACKOFF,
      nudgeDelayMs: NUDGE_DELAY_MS,
      log,
      metrics: o.relayMetrics,
      describe: (row) => ({ endpointId: row.endpoint_id, messageId: row.message_id }),
    }),
  );
  return {
    start: () => lanes.forEach((l) => l.start()),
    // Every lane: the busy ones coalesce it with their pass, an idle one takes the rows.
    nudge: () => lanes.forEach((l) => l.nudge()),
    async runOnce(opts) {
      const results = await Promise.all(lanes.map((l) => l.runOnce(opts)));
      return results.reduce((a, r) => ({ claimed: a.claimed + r.claimed, delivered: a.delivered + r.delivered, failed: a.failed + r.failed, dead: a.dead + r.dead }), { claimed: 0, delivered: 0, failed: 0, dead: 0 });
    },
    async stop() {
      await Promise.all(lanes.map((l) => l.stop()));
    },
  };
}
