import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { Type } from '@sinclair/typebox';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { forbiddenRangeOf, isMetadataHostName } from './outbound-address.js';

/**
 * The one way Questline sends requests to URLs its users give it (webhook receivers). Such a URL
 * may point at this host, our private network or the cloud metadata service, directly or through
 * a name that resolves there, possibly only after it was checked (DNS rebinding); so the address
 * is judged where the socket is opened, and redirects are never followed.
 */

/** Config keys a service spreads into its schema; both false in production. */
export const WebhookOutboundConfig = {
  /** Lets receivers be `http://` (development, tests); otherwise `https://` only. */
  WEBHOOK_ALLOW_HTTP: Type.Boolean({ default: false }),
  /** Lets receivers be on loopback, private, link-local (metadata) and other non-public addresses. */
  WEBHOOK_ALLOW_PRIVATE: Type.Boolean({ default: false }),
};

export interface OutboundPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

export function outboundPolicyOf(config: { WEBHOOK_ALLOW_HTTP: boolean; WEBHOOK_ALLOW_PRIVATE: boolean }): OutboundPolicy {
  return { allowHttp: config.WEBHOOK_ALLOW_HTTP, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE };
}

export type WebhookUrlRefusal = 'invalid' | 'scheme' | 'credentials' | 'fragment' | 'forbidden-address' | 'unresolvable';

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; code: WebhookUrlRefusal; reason: string };

/** What can be said of a URL without the network: scheme, credentials, fragment, a literal address. */
export function checkWebhookUrlShape(raw: string | URL, policy: OutboundPolicy): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, code: 'invalid', reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return { ok: false, code: 'scheme', reason: policy.allowHttp ? 'the URL must be http:// or https://' : 'the URL must be https://' };
  }
  if (url.username || url.password) return { ok: false, code: 'credentials', reason: 'the URL must not carry credentials' };
  // An empty fragment (`…#`) serializes as a trailing '#', so href tells both kinds apart from none.
  if (url.href.includes('#')) return { ok: false, code: 'fragment', reason: 'the URL must not have a fragment' };
  if (!policy.allowPrivate) {
    const host = bareHost(url.hostname);
    if (isIP(host)) {
      const range = forbiddenRangeOf(host);
      if (range) return { ok: false, code: 'forbidden-address', reason: `forbidden address ${host} (${range})` };
    } else if (isMetadataHostName(host)) {
      return { ok: false, code: 'forbidden-address', reason: `forbidden host ${host} (cloud metadata)` };
    }
  }
  return { ok: true, url };
}

/**
 * Whether a webhook URL may be registered: the shape, then every address its host resolves to
 * (a name with one forbidden address among public ones is refused: the connection may pick it).
 * Delivery checks again at connection time; this check gives the clear answer at creation.
 */
export async function checkWebhookUrl(raw: string | URL, policy: OutboundPolicy): Promise<WebhookUrlCheck> {
  const shape = checkWebhookUrlShape(raw, policy);
  if (!shape.ok || policy.allowPrivate) return shape;
  const host = bareHost(shape.url.hostname);
  if (isIP(host)) return shape;
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, code: 'unresolvable', reason: `the host ${host} does not resolve (${code})` };
  }
  for (const { address } of addresses) {
    const range = forbiddenRangeOf(address);
    if (range) return { ok: false, code: 'forbidden-address', reason: `${host} resolves to forbidden address ${address} (${range})` };
  }
  return shape;
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, family: 0 }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

const FORBIDDEN_CODE = 'ERR_OUTBOUND_FORBIDDEN_ADDRESS';

function forbidden(what: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`forbidden address ${what}`);
  err.code = FORBIDDEN_CODE;
  return err;
}

/**
 * The resolver the sockets use: resolves every address of the name and fails when any of them is
 * forbidden, so what the socket connects to is what was judged, whatever the name said before.
 * `rangeOf` is the rule (replaceable only so that tests can let loopback through).
 */
export function createGuardedLookup(rangeOf: (ip: string) => string | null = forbiddenRangeOf): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: 0 }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.find((a) => rangeOf(a.address));
      if (bad) return callback(forbidden(bad.address), '', 0);
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
      const usable = family ? addresses.filter((a) => a.family === family) : addresses;
      if (usable.length === 0) {
        const none: NodeJS.ErrnoException = new Error(`no IPv${family} address for ${hostname}`);
        none.code = 'ENOTFOUND';
        return callback(none, '', 0);
      }
      // net.connect asks for every address when it races them (autoSelectFamily), one otherwise.
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/** An undici Agent (keep-alive pool per origin) whose every new connection passes the address rule. */
export function createOutboundAgent(policy: OutboundPolicy, options: Agent.Options = {}): Agent {
  if (policy.allowPrivate) return new Agent(options);
  const connect = buildConnector({ lookup: createGuardedLookup() });
  return new Agent({
    ...options,
    connect(opts, callback) {
      // A literal address skips the resolver in net.connect: judge it here.
      const range = isIP(opts.hostname) ? forbiddenRangeOf(opts.hostname) : null;
      if (range) {
        callback(forbidden(opts.hostname), null);
        return;
      }
      connect(opts, callback);
    },
  });
}

const sharedAgents = new Map<boolean, Agent>();

function sharedAgent(policy: OutboundPolicy): Agent {
  let agent = sharedAgents.get(policy.allowPrivate);
  if (!agent) {
    agent = createOutboundAgent(policy);
    sharedAgents.set(policy.allowPrivate, agent);
  }
  return agent;
}

/** Closes the pooled connections of postWebhook (at shutdown; a later call opens new ones). */
export async function closeOutboundAgents(): Promise<void> {
  const agents = [...sharedAgents.values()];
  sharedAgents.clear();
  await Promise.all(agents.map((a) => a.close()));
}

export type WebhookPostResult =
  | { kind: 'answered'; statusCode: number; body: string; truncated: boolean; durationMs: number }
  | { kind: 'failed'; error: string; durationMs: number };

export interface WebhookPostOptions {
  policy: OutboundPolicy;
  /** Covers connecting, the answer's headers and reading its body. */
  timeoutMs?: number;
  /** Bytes of the answer's body kept; the connection is dropped once they are read. */
  maxResponseBytes?: number;
  /** Another pool than the shared one of the policy (must come from createOutboundAgent). */
  dispatcher?: Dispatcher;
}

/**
 * POSTs to a user-given URL. Never throws for a network fault: every outcome is a value. A 3xx is
 * an answer like any other (its Location is not followed: it could point anywhere, checks or not).
 */
export async function postWebhook(
  url: string | URL,
  message: { headers: Record<string, string>; body: string | Uint8Array },
  options: WebhookPostOptions,
): Promise<WebhookPostResult> {
  const { policy, timeoutMs = 10_000, maxResponseBytes = 4096 } = options;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const shape = checkWebhookUrlShape(url, policy);
  if (!shape.ok) return { kind: 'failed', error: shape.reason, durationMs: elapsed() };

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let statusCode: number | undefined;
  try {
    const res = await request(shape.url, {
      method: 'POST',
      headers: message.headers,
      body: message.body,
      signal: controller.signal,
      dispatcher: options.dispatcher ?? sharedAgent(policy),
    });
    statusCode = res.statusCode;
    const { text, truncated } = await readLimited(res.body, maxResponseBytes);
    return { kind: 'answered', statusCode, body: text, truncated, durationMs: elapsed() };
  } catch (err) {
    const error = controller.signal.aborted ? 'timeout' : describeFault(err);
    const during = statusCode === undefined ? '' : ` while reading the answer (status ${statusCode})`;
    return { kind: 'failed', error: error + during, durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads at most `limit` bytes, then destroys the body, which closes the connection. */
async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ text: string; truncated: boolean }> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let kept = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = limit - kept;
    if (chunk.length > room) {
      // No end(): a character cut in half by the limit is dropped, not turned into U+FFFD.
      text += decoder.write(chunk.subarray(0, room));
      body.destroy();
      return { text, truncated: true };
    }
    text += decoder.write(chunk);
    kept += chunk.length;
  }
  return { text: text + decoder.end(), truncated: false };
}

const FAULTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name resolution failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_OVERFLOW: 'answer headers too large',
};

/** A short, stable text for the delivery log; never the whole stack. */
export function describeFault(err: unknown): string {
  for (let e = err as (NodeJS.ErrnoException & { cause?: unknown }) | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === FORBIDDEN_CODE) return e.message;
    if (e.code && FAULTS[e.code]) return FAULTS[e.code]!;
    if (e.code && /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(e.code)) return `tls: ${e.code}`;
    if (e instanceof AggregateError && e.errors.length > 0) return describeFault(e.errors[0]);
  }
  const e = err as NodeJS.ErrnoException | undefined;
  return (e?.code ?? e?.message ?? String(err)).slice(0, 200);
}
