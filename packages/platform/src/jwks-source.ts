import type { KeyObject } from 'node:crypto';
import { singleFlight } from './single-flight.js';
import { backoffMs } from './backoff.js';
import { importKeySet, TokenRejected } from './ed25519-jwt.js';

/**
 * No key set is held yet and the JWKS cannot be fetched now: a token cannot be checked at all,
 * which is not the same as a bad token (requireAuth answers 503, not 401).
 */
export class KeysUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeysUnavailableError';
  }
}

export interface JwksSourceOptions {
  /** Background refresh after a successful fetch. Bounds how long a retired key keeps working. */
  refreshMs?: number;
  /** Fetches caused by an unknown kid: at most one per this gap (since the last fetch of any kind). */
  unknownKidCooldownMs?: number;
  /** After a failed fetch the next one comes this soon (doubling per failure up to refreshMs while a key set is held). */
  retryMs?: number;
  /** One fetch of the JWKS, at most. */
  timeoutMs?: number;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** Where createTokenVerifier finds the public key of a token's kid. */
export interface TokenKeys {
  /**
   * The key of `kid`. Never waits for a fetch when it holds that kid; an unknown kid is
   * TokenRejected (a bad token), no key set at all KeysUnavailableError (an outage).
   */
  resolve(kid: string): Promise<KeyObject>;
  /**
   * The key held now for `kid`, without fetching: a remembered verification is trusted only while
   * this is still the very key it was checked with, so a retired key ends its tokens' memory too.
   */
  held(kid: string): KeyObject | undefined;
}

export interface JwksSource extends TokenKeys {
  /** Fetches now (or joins the fetch in flight); true when a fresh key set is held. */
  refresh(): Promise<boolean>;
  /** Stops the background refresh. */
  close(): void;
}

type LocalKeys = Map<string, KeyObject>;

/** A fixed key set (auth's own published keys): each key imported once. */
export function localKeySet(jwks: unknown): TokenKeys {
  const keys = importKeySet(jwks);
  return {
    resolve: async (kid) => {
      const key = keys.get(kid);
      if (!key) throw new TokenRejected('unknown kid');
      return key;
    },
    held: (kid) => keys.get(kid),
  };
}

/**
 * Auth's JWKS, held in memory and refreshed in the background, so that verification never waits
 * on auth and survives an auth outage:
 * - a fetch at creation, then every `refreshMs` (60 s); a failed fetch is retried sooner (every 1 s
 *   without a key set; with one, doubling up to `refreshMs`) and, meanwhile, the last good key set
 *   stays in use (stale-if-error);
 * - an unknown kid refetches at once (a key published since the last refresh), but at most once per
 *   `unknownKidCooldownMs` (30 s), so tokens with garbage kids cannot flood auth;
 * - with no key set yet (auth was down since start-up), a request waits for one shared fetch (at
 *   most one per `retryMs`) and otherwise fails with KeysUnavailableError.
 *
 * The bound on retiring a key: once no auth replica publishes it any more, the next refresh starts
 * within `refreshMs` and ends within `timeoutMs`. createTokenVerifier remembers a verification only
 * while `held(kid)` still returns the key it was checked with (unchanged keys keep their KeyObject
 * across refreshes), so the memory adds nothing: a retired key's tokens are refused everywhere
 * within refreshMs + timeoutMs = 60 + 2 s by default.
 * The price of stale-if-error: while auth is unreachable the last key set, a retired key included,
 * stays in use (an outage must not log everyone out), so the bound holds only while auth answers.
 */
export function createJwksSource(jwksUrl: string, opts: JwksSourceOptions = {}): JwksSource {
  const refreshMs = opts.refreshMs ?? 60_000;
  const cooldownMs = opts.unknownKidCooldownMs ?? 30_000;
  const retryMs = Math.min(opts.retryMs ?? 1_000, refreshMs);
  const timeoutMs = opts.timeoutMs ?? 2_000;
  let keys: LocalKeys | undefined;
  let lastAttemptAt = -Infinity;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function load(): Promise<LocalKeys> {
    const res = await fetch(jwksUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
    // Throws on anything that is not a key set, so a broken answer never replaces a good one.
    return importKeySet(await res.json(), keys);
  }

  function schedule() {
    clearTimeout(timer);
    if (closed) return;
    // Without any key set nothing can be verified: keep trying every retryMs. With one, back off.
    const delay = failures === 0 ? refreshMs : keys ? backoffMs(failures, { baseMs: retryMs, maxMs: refreshMs, jitter: 0 }) : retryMs;
    timer = setTimeout(() => void fetchNow(), delay);
    // The refresh alone must not keep a process (or a test run) alive.
    timer.unref();
  }

  const fetchNow = singleFlight(async (): Promise<boolean> => {
    lastAttemptAt = Date.now();
    try {
      keys = await load();
      if (failures > 0) opts.log?.info({ jwksUrl, failures }, 'JWKS fetched again');
      failures = 0;
      return true;
    } catch (err) {
      failures++;
      // Once per outage, not once per retry.
      if (failures === 1) opts.log?.warn({ err, jwksUrl }, keys ? 'JWKS refresh failed; keeping the last key set' : 'JWKS fetch failed; no key set yet');
      return false;
    } finally {
      schedule();
    }
  });

  /** Joins the fetch in flight, or starts one unless the last began less than minGapMs ago. */
  function fetchOnDemand(minGapMs: number): Promise<boolean> {
    if (fetchNow.inFlight) return fetchNow.inFlight;
    if (Date.now() - lastAttemptAt < minGapMs) return Promise.resolve(false);
    return fetchNow();
  }

  function held(): LocalKeys {
    if (!keys) throw new KeysUnavailableError(`no key set yet and ${jwksUrl} cannot be fetched`);
    return keys;
  }

  async function resolve(kid: string): Promise<KeyObject> {
    if (!keys) await fetchOnDemand(retryMs);
    const known = held().get(kid);
    if (known) return known;
    // Perhaps a key published since the last refresh. If the refetch is not allowed yet or fails,
    // the kid is unknown to the last good key set: a bad token (keys are published minutes
    // before they sign, see the auth README), not an outage.
    const fresh = (await fetchOnDemand(cooldownMs)) ? held().get(kid) : undefined;
    if (!fresh) throw new TokenRejected('unknown kid');
    return fresh;
  }

  void fetchNow();
  return {
    resolve,
    held: (kid) => keys?.get(kid),
    refresh: fetchNow,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
