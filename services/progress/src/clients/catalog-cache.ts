import type { FastifyBaseLogger } from 'fastify';
import type { PublishedQuest, PublishedQuestsResponse } from '@questline/contracts';
import { UpstreamError, type ServiceClient } from '@questline/platform';
import { describeSchemaErrors, isPublishedQuestsResponse } from './upstream-schemas.js';

export interface CatalogSnapshot {
  revision: string;
  quests: PublishedQuest[];
  byKey: ReadonlyMap<string, PublishedQuest>;
  byEvent: ReadonlyMap<string, PublishedQuest[]>;
}

function index(response: PublishedQuestsResponse): CatalogSnapshot {
  const byEvent = new Map<string, PublishedQuest[]>();
  for (const q of response.quests) {
    const list = byEvent.get(q.objective.event) ?? [];
    list.push(q);
    byEvent.set(q.objective.event, list);
  }
  return { revision: response.revision, quests: response.quests, byKey: new Map(response.quests.map((q) => [q.key, q])), byEvent };
}

/**
 * The published quests, kept in memory and refreshed by polling the catalog with If-None-Match.
 * When the catalog is down or answers nonsense, the last good copy stays in use.
 */
export class CatalogCache {
  private current: CatalogSnapshot | null = null;
  private etag: string | null = null;
  private inFlight: Promise<CatalogSnapshot | null> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failingSince: number | null = null;
  private lastFailureLog = 0;

  constructor(
    private readonly client: ServiceClient,
    private readonly pollMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Loads a first copy (tolerating failure: readiness reports it) and starts polling. */
  async start(): Promise<void> {
    await this.refresh().catch(() => undefined);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get snapshot(): CatalogSnapshot | null {
    return this.current;
  }

  /** Fetches now (joining a fetch already under way). Throws when the catalog could not be read. */
  refresh(): Promise<CatalogSnapshot | null> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<CatalogSnapshot | null> {
    const headers: Record<string, string> = {};
    if (this.etag && this.current) headers['if-none-match'] = this.etag;
    try {
      const res = await this.client.request<unknown>('GET', '/internal/quests', { headers });
      if (res.status === 304 && this.current) {
        this.recovered();
        return this.current;
      }
      if (res.status !== 200) throw new UpstreamError('catalog', `GET /internal/quests answered ${res.status}`, res.status);
      if (!isPublishedQuestsResponse(res.body)) {
        throw new UpstreamError('catalog', `GET /internal/quests: ${describeSchemaErrors(isPublishedQuestsResponse.errors)}`);
      }
      if (this.current?.revision !== res.body.revision) {
        this.log.info({ revision: res.body.revision, quests: res.body.quests.length }, 'catalog loaded');
      }
      this.current = index(res.body);
      this.etag = res.headers.get('etag') ?? `"${res.body.revision}"`;
      this.recovered();
      return this.current;
    } catch (err) {
      this.failed(err as Error);
      throw err;
    }
  }

  // A catalog outage is logged when it starts and then once a minute, not on every poll.
  private failed(err: Error) {
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.lastFailureLog < 60_000) return;
    this.lastFailureLog = now;
    const failingForSeconds = Math.round((now - this.failingSince) / 1000);
    this.log.warn({ err: err.message, revision: this.current?.revision ?? null, failingForSeconds }, 'catalog refresh failed; keeping the last copy');
  }

  private recovered() {
    if (this.failingSince !== null) this.log.info('catalog reachable again');
    this.failingSince = null;
    this.lastFailureLog = 0;
  }
}
