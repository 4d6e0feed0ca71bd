import type { FastifyBaseLogger } from 'fastify';
import type { EventTypeRule, PublishedQuest, PublishedQuestsResponse } from '@questline/contracts';
import { singleFlight, UpstreamError, type ServiceClient } from '@questline/platform';
import { dependentsIndex, statesReadByEvent } from '../domain/prerequisites.js';
import type { ArchivedQuest } from '../domain/quest-view.js';
import { describeSchemaErrors, isPublishedQuestsResponse } from './upstream-schemas.js';

export interface CatalogSnapshot {
  revision: string;
  quests: PublishedQuest[];
  byKey: ReadonlyMap<string, PublishedQuest>;
  /** Published quests only: the one index events are evaluated through. */
  byEvent: ReadonlyMap<string, PublishedQuest[]>;
  /** Quest key → the published quests that list it as a prerequisite. */
  dependents: ReadonlyMap<string, PublishedQuest[]>;
  /** Event type → the quest keys whose states applying such an event reads (statesReadByEvent). */
  statesRead: ReadonlyMap<string, readonly string[]>;
  /** Archived quests' display fields (the feed's `retired` list), to show, never evaluate, what users earned on them. */
  archivedByKey: ReadonlyMap<string, ArchivedQuest>;
  /** Declared event types by name (the feed's `eventTypes`): what players may report. Absent = server-only. */
  eventTypes: ReadonlyMap<string, EventTypeRule>;
}

/** Where the last good copy outlives the process (progress's own database). */
export interface CatalogStore {
  load(): Promise<{ revision: string; body: unknown } | null>;
  save(copy: { revision: string; body: PublishedQuestsResponse }): Promise<void>;
}

function index(response: PublishedQuestsResponse): CatalogSnapshot {
  const byEvent = new Map<string, PublishedQuest[]>();
  for (const q of response.quests) {
    const list = byEvent.get(q.objective.event) ?? [];
    list.push(q);
    byEvent.set(q.objective.event, list);
  }
  const byKey = new Map(response.quests.map((q) => [q.key, q]));
  // `retired` is optional in the contract (an older catalog sends none); a published key wins.
  const archivedByKey = new Map((response.retired ?? []).filter((q) => !byKey.has(q.key)).map((q) => [q.key, q]));
  // `eventTypes` is optional likewise: a catalog that sends none declares nothing, so players may report nothing.
  const eventTypes = new Map((response.eventTypes ?? []).map((t) => [t.type, t]));
  return { revision: response.revision, quests: response.quests, byKey, byEvent, dependents: dependentsIndex(response.quests), statesRead: statesReadByEvent(byEvent), archivedByKey, eventTypes };
}

/**
 * The catalog copy, or an UpstreamError (503 UPSTREAM_UNAVAILABLE) until a first one exists:
 * applying events to no quests would lose progress, and a view of no quests would show an empty
 * list as if it were true.
 */
export function requireCatalog(cache: CatalogCache): CatalogSnapshot {
  const snapshot = cache.snapshot;
  if (!snapshot) throw new UpstreamError('catalog', 'no copy of the quest catalog loaded yet');
  return snapshot;
}

/**
 * The published quests, kept in memory and refreshed by polling the catalog with If-None-Match.
 * When the catalog is down or answers nonsense, the last good copy stays in use. Each new revision
 * is also stored, and the stored copy is loaded at start-up, so a progress restarted while the
 * catalog is down still serves events on its last copy.
 */
export class CatalogCache {
  private current: CatalogSnapshot | null = null;
  private currentBody: PublishedQuestsResponse | null = null;
  private storedRevision: string | null = null;
  private etag: string | null = null;
  private readonly fetchShared = singleFlight(() => this.fetch());
  private timer: NodeJS.Timeout | null = null;
  private failingSince: number | null = null;
  private readonly revisionListeners: ((snapshot: CatalogSnapshot) => void)[] = [];
  private lastFailureLog = 0;

  constructor(
    private readonly client: ServiceClient,
    private readonly pollMs: number,
    private readonly log: FastifyBaseLogger,
    private readonly store: CatalogStore,
  ) {}

  /** Loads the stored copy, then a fresh one (tolerating failure: readiness reports it), and starts polling. */
  async start(): Promise<void> {
    await this.restore();
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

  /** Called when a fetched revision replaces the one in use (not for the first copy). */
  onNewRevision(fn: (snapshot: CatalogSnapshot) => void): void {
    this.revisionListeners.push(fn);
  }

  /** Fetches now (joining a fetch already under way). Throws when the catalog could not be read. */
  refresh(): Promise<CatalogSnapshot | null> {
    return this.fetchShared();
  }

  private async fetch(): Promise<CatalogSnapshot | null> {
    const headers: Record<string, string> = {};
    if (this.etag && this.current) headers['if-none-match'] = this.etag;
    try {
      const res = await this.client.request<unknown>('GET', '/internal/quests', { headers });
      if (res.status === 304 && this.current) {
        this.recovered();
        await this.persist();
        return this.current;
      }
      if (res.status !== 200) throw new UpstreamError('catalog', `GET /internal/quests answered ${res.status}`, res.status);
      if (!isPublishedQuestsResponse(res.body)) {
        throw new UpstreamError('catalog', `GET /internal/quests: ${describeSchemaErrors(isPublishedQuestsResponse.errors)}`);
      }
      const replaced = this.current !== null && this.current.revision !== res.body.revision;
      if (this.current?.revision !== res.body.revision) {
        this.log.info({ revision: res.body.revision, quests: res.body.quests.length }, 'catalog loaded');
      }
      this.current = index(res.body);
      this.currentBody = res.body;
      this.etag = res.headers.get('etag') ?? `"${res.body.revision}"`;
      // After the copy is complete: a listener that throws is its own failure, not the catalog's.
      if (replaced) this.tellListeners(this.current);
    } catch (err) {
      this.failed(err as Error);
      throw err;
    }
    this.recovered();
    await this.persist();
    return this.current;
  }

  private tellListeners(snapshot: CatalogSnapshot): void {
    for (const fn of this.revisionListeners) {
      try {
        fn(snapshot);
      } catch (err) {
        this.log.warn({ err, revision: snapshot.revision }, 'a listener of new catalog revisions failed');
      }
    }
  }

  // The stored copy is trusted no more than a fetched one: the same schema check, else ignored.
  private async restore(): Promise<void> {
    let stored: Awaited<ReturnType<CatalogStore['load']>>;
    try {
      stored = await this.store.load();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read the stored catalog copy');
      return;
    }
    if (!stored) return;
    const { revision, body } = stored;
    if (!isPublishedQuestsResponse(body) || body.revision !== revision) {
      const problem = isPublishedQuestsResponse.errors ? describeSchemaErrors(isPublishedQuestsResponse.errors) : 'revision mismatch';
      this.log.warn({ revision, problem }, 'stored catalog copy is invalid; ignored');
      return;
    }
    this.current = index(body);
    this.currentBody = body;
    this.storedRevision = revision;
    // The catalog tags its feed "<revision>": a catalog unchanged since then answers 304.
    this.etag = `"${revision}"`;
    this.log.info({ revision, quests: body.quests.length }, 'catalog copy restored from the database');
  }

  // Failing to store is logged, never fatal: the copy in memory is good; the next poll tries again.
  private async persist(): Promise<void> {
    if (!this.currentBody || this.storedRevision === this.currentBody.revision) return;
    const { revision } = this.currentBody;
    try {
      await this.store.save({ revision, body: this.currentBody });
      this.storedRevision = revision;
    } catch (err) {
      this.log.warn({ err: (err as Error).message, revision }, 'could not store the catalog copy; will retry');
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
