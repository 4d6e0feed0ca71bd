/**
 * An example receiver of Questline webhooks, for the product teams that consume them. Plain Node
 * (node:http and node:crypto only, no Questline code): copy it, or use a `standardwebhooks` library
 * in your own language, which checks the same things.
 *
 *   WEBHOOK_SECRET=whsec_... PORT=8787 npx tsx examples/webhook-receiver.ts
 *
 * WEBHOOK_SECRET is the secret shown when the endpoint was created (or rotated); PORT defaults to
 * 8787 (0 picks a free one). Each message is checked, then acknowledged at once and processed after:
 *  1. the signature: HMAC-SHA256, keyed by the base64-decoded part of the secret after `whsec_`, over
 *     `{webhook-id}.{webhook-timestamp}.{raw body}`; the `webhook-signature` header holds one or more
 *     space-separated `v1,<base64>` signatures (two while a secret rotates) and one match is enough;
 *  2. the timestamp: within 5 minutes of now either way, so a captured message cannot be replayed later;
 *  3. the `webhook-id`: delivery is at least once, so the same message can arrive again (a retry after
 *     a timeout, a manual retry); a duplicate is answered 200 and not processed a second time.
 * Anything that fails 1 or 2 gets 401. Answer within a few seconds: Questline gives up an attempt
 * after 10 s and retries it, so slow work belongs after the answer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const TOLERANCE_SECONDS = 5 * 60;
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * How long a message id is remembered. Retries of one message span more than a day and an
 * admin can retry by hand later, each attempt freshly signed: keep ids well beyond that.
 */
const DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function secretKey(secret: string | undefined): Buffer {
  const encoded = secret?.startsWith('whsec_') ? secret.slice('whsec_'.length) : '';
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24) {
    process.stderr.write('WEBHOOK_SECRET must be the whsec_... secret Questline showed for the endpoint\n');
    process.exit(1);
  }
  return key;
}

const key = secretKey(process.env.WEBHOOK_SECRET);
const port = Number(process.env.PORT ?? 8787);

/**
 * Message ids already taken, with when to forget them. In memory for the example: a production
 * receiver keeps them in its database (a unique key on the webhook id, inserted in the same
 * transaction as the message is stored for processing), so that restarts and replicas share them.
 */
const seen = new Map<string, number>();

function forgetExpired(now: number): void {
  for (const [id, expiresAt] of seen) if (expiresAt <= now) seen.delete(id);
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Why a message is refused, or null when it is genuine and fresh. */
function check(req: IncomingMessage, body: Buffer): string | null {
  const id = headerOf(req, 'webhook-id');
  const timestamp = headerOf(req, 'webhook-timestamp');
  const signatures = headerOf(req, 'webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return 'missing or malformed webhook headers';

  const age = Math.floor(Date.now() / 1000) - Number(timestamp);
  if (Math.abs(age) > TOLERANCE_SECONDS) return 'timestamp outside the tolerance';

  // Sign the raw bytes received: parsing and re-serialising the JSON would change them.
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  const expected = Buffer.from(`v1,${mac}`);
  const matches = signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? null : 'no matching signature';
}

/** The product's own work (grant an item, send a push notification...): runs after the answer. */
function processEvent(id: string, event: { type?: unknown; data?: unknown }): void {
  log(`processed ${String(event.type)} ${id}`);
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : null));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return answer(res, 405, 'POST only');
  const body = await readBody(req);
  if (body === null) return answer(res, 413, 'body too large');

  const refusal = check(req, body);
  if (refusal) {
    log(`refused: ${refusal}`);
    return answer(res, 401, refusal);
  }

  const id = headerOf(req, 'webhook-id') as string;
  const now = Date.now();
  forgetExpired(now);
  if (seen.has(id)) {
    log(`duplicate ${id}: already processed`);
    return answer(res, 200, 'duplicate');
  }

  let event: { type?: unknown; data?: unknown };
  try {
    event = JSON.parse(body.toString('utf8')) as typeof event;
  } catch {
    // Signed by Questline yet not JSON cannot happen; refuse rather than half-process it.
    return answer(res, 400, 'body is not JSON');
  }
  seen.set(id, now + DEDUPE_TTL_MS);
  answer(res, 200, 'ok');
  // After the answer: the sender is not kept waiting by the product's work.
  setImmediate(() => processEvent(id, event));
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    log(`error: ${String(err)}`);
    if (!res.headersSent) answer(res, 500, 'error');
  });
});

server.listen(port, () => {
  const address = server.address();
  log(`webhook receiver listening on port ${typeof address === 'object' && address ? address.port : port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
