import type { FastifyBaseLogger } from 'fastify';
import { singleFlight, UpstreamError, type ServiceClient, type ServiceResponse } from '@questline/platform';

/** `unavailable`: not among the currencies we know, and the catalog could not be asked. */
export type CurrencyVerdict = 'known' | 'unknown' | 'unavailable';

export interface CatalogCurrencies {
  check(code: string, requestId?: string): Promise<CurrencyVerdict>;
}

export interface CatalogCurrenciesOptions {
  /** The catalog is asked again at most this often, however many unknown codes arrive. */
  minRefreshMs: number;
  log: FastifyBaseLogger;
  now?: () => number;
}

const PAGE_LIMIT = 200;
/** 50 pages of 200: far more currencies than anyone defines, and a bound on a misbehaving catalog. */
const MAX_PAGES = 50;

interface CurrencyPage {
  items: Array<{ code: string }>;
  nextCursor: string | null;
}

function isCurrencyPage(body: unknown): body is CurrencyPage {
  if (typeof body !== 'object' || body === null) return false;
  const { items, nextCursor } = body as Record<string, unknown>;
  return (
    Array.isArray(items) &&
    items.every((i) => typeof i === 'object' && i !== null && typeof (i as { code?: unknown }).code === 'string') &&
    (nextCursor === null || typeof nextCursor === 'string')
  );
}

/**
 * The catalog owns currencies; auth learns them from its public list (never its database) and
 * keeps them in memory. The catalog has no way to delete a currency, so a code once seen stays
 * valid and is answered without a call; an unknown code triggers a refresh, rate-limited so that
 * made-up codes cannot flood the catalog. Only admin grants ask: quest rewards were validated by
 * the catalog already, and must not depend on it being up.
 */
export function createCatalogCurrencies(catalog: ServiceClient, opts: CatalogCurrenciesOptions): CatalogCurrencies {
  const now = opts.now ?? Date.now;
  let known = new Set<string>();
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let lastAttemptOk = false;

  async function fetchAll(requestId: string | undefined): Promise<Set<string>> {
    const codes = new Set<string>();
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query: string = `?limit=${PAGE_LIMIT}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const res: ServiceResponse<unknown> = await catalog.request('GET', `/api/v1/currencies${query}`, { requestId });
      if (res.status !== 200 || !isCurrencyPage(res.body)) {
        throw new UpstreamError('catalog', `currency list answered ${res.status}`, res.status);
      }
      for (const item of res.body.items) codes.add(item.code);
      cursor = res.body.nextCursor;
      if (cursor === null) return codes;
    }
    throw new UpstreamError('catalog', `currency list longer than ${MAX_PAGES} pages`);
  }

  const refresh = singleFlight(async (requestId: string | undefined): Promise<void> => {
    lastAttemptAt = now();
    try {
      known = await fetchAll(requestId);
      lastAttemptOk = true;
    } catch (err) {
      lastAttemptOk = false;
      opts.log.warn({ err }, 'could not read the currency list from the catalog');
    }
  });

  return {
    async check(code, requestId) {
      if (known.has(code)) return 'known';
      // Join a refresh under way; start one only if the last is old enough.
      if (refresh.inFlight) await refresh.inFlight;
      else if (now() - lastAttemptAt >= opts.minRefreshMs) await refresh(requestId);
      if (known.has(code)) return 'known';
      return lastAttemptOk ? 'unknown' : 'unavailable';
    },
  };
}
