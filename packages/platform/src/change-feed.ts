import pg from 'pg';
import { backoffMs } from './backoff.js';

/**
 * Live change notices across the replicas of one service, through its own PostgreSQL's
 * LISTEN/NOTIFY: no new server, and every replica that listens hears what any replica changed.
 *
 * A notice says only whom a change concerns and what to read again (`u`: the user; the rest is the
 * service's own); the listener reads the current state from the database, so a notice never carries
 * data that could be stale or larger than NOTIFY's 8,000-byte payload.
 *
 * Notices are sent after the cause's commit, not inside its transaction: a NOTIFY in a transaction
 * takes a database-wide lock from its commit until the commit is flushed, which would queue every
 * event transaction behind the others. Here a replica sends at most one NOTIFY statement at a time,
 * batching what committed meanwhile, on its own connection with synchronous_commit off (a notice
 * needs no durability: a stream that misses one is ended and reconnects to a fresh snapshot).
 */
export interface ChangeNotice {
  u: string;
  [field: string]: unknown;
}

interface FeedLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

// PostgreSQL refuses payloads of 8,000 bytes or more; notices are far smaller, so a batch is split.
const MAX_PAYLOAD_BYTES = 7_000;
const RECONNECT = { baseMs: 200, maxMs: 5_000, jitter: 0.2 } as const;

export interface ChangePublisher {
  /** Queues a notice; it is sent with the next batch (at once when none is in flight). */
  publish(notice: ChangeNotice): void;
  /** Resolves when everything queued so far was handed to PostgreSQL (or given up). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Splits notices into JSON-array payloads under the size limit. */
export function payloadsOf(notices: readonly ChangeNotice[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const n of notices) {
    const text = JSON.stringify(n);
    const bytes = Buffer.byteLength(text) + 1;
    if (current.length > 0 && size + bytes > MAX_PAYLOAD_BYTES) {
      out.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += bytes;
  }
  if (current.length > 0) out.push(`[${current.join(',')}]`);
  return out;
}

export function createChangePublisher(url: string, channel: string, log: FeedLog): ChangePublisher {
  let queue: ChangeNotice[] = [];
  let running: Promise<void> | undefined;
  let client: pg.Client | undefined;
  let closed = false;
  // Set when close() starts: no new notice is queued, so the wait for the last drain ends.
  let closing = false;

  const connect = async (): Promise<pg.Client> => {
    if (closed) throw new Error('change publisher closed');
    if (client) return client;
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {
      if (client === c) client = undefined;
    });
    await c.connect();
    await c.query('SET synchronous_commit TO off');
    client = c;
    return c;
  };

  const send = async (batch: ChangeNotice[]) => {
    const payloads = payloadsOf(batch);
    for (let attempt = 1; ; attempt++) {
      try {
        const c = await connect();
        const calls = payloads.map((_, i) => `pg_notify($1, $${i + 2})`).join(', ');
        await c.query(`SELECT ${calls}`, [channel, ...payloads]);
        return;
      } catch (err) {
        client?.end().catch(() => undefined);
        client = undefined;
        if (attempt >= 3 || closed) {
          log.warn({ err, notices: batch.length }, 'change notices not sent; open streams of those users miss them until they reconnect');
          return;
        }
        await new Promise((r) => setTimeout(r, backoffMs(attempt, RECONNECT)));
      }
    }
  };

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      await send(batch);
    }
  };
  const kick = () => {
    if (running) return;
    // After the current turn of the event loop: a caller that publishes a notice per user of a
    // commit (a grant batch, a group commit) sends them in one statement, not the first alone.
    running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(drain)
      .finally(() => {
        running = undefined;
        if (queue.length > 0) kick();
      });
  };

  return {
    publish(notice) {
      if (closing) return;
      queue.push(notice);
      kick();
    },
    async flush() {
      // A drain that ends with notices queued meanwhile starts another: wait for that one too.
      while (running) await running;
    },
    async close() {
      closing = true;
      while (running) await running;
      closed = true;
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}

export interface Subscription {
  /** A notice for the subscribed user. */
  onNotice(notice: ChangeNotice): void;
  /** Notices may have been missed (the listening connection broke): the subscriber must start over. */
  onGap(): void;
}

export interface ChangeListener {
  /** True while LISTEN is in place; a subscriber added otherwise would hear nothing. */
  readonly listening: boolean;
  /** Subscribers of this replica, for the open-streams gauge. */
  readonly subscribers: number;
  subscribe(userId: string, subscription: Subscription): () => void;
  /**
   * Hands every subscriber of this replica a notice made for its user, without the database: for
   * a change each replica learns of by itself (progress's new catalog revision). `spreadMs` hands
   * each one at a random moment within that time, so that a thousand feeds do not all read the
   * database in the same instant.
   */
  toEveryone(make: (userId: string) => ChangeNotice, options?: { spreadMs?: number }): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One dedicated connection per replica in LISTEN. When it breaks, every subscriber is told (they
 * end their streams: whatever changed meanwhile is in the snapshot of the reconnect) and the
 * connection is made again with backoff.
 */
export function createChangeListener(url: string, channel: string, log: FeedLog): ChangeListener {
  const byUser = new Map<string, Set<Subscription>>();
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let count = 0;

  const dispatch = (payload: string | undefined) => {
    let notices: unknown;
    try {
      notices = JSON.parse(payload ?? '');
    } catch {
      log.warn({ channel }, 'a change notice that is not JSON was ignored');
      return;
    }
    if (!Array.isArray(notices)) return;
    for (const n of notices as ChangeNotice[]) {
      const subs = typeof n?.u === 'string' ? byUser.get(n.u) : undefined;
      if (subs) for (const s of [...subs]) s.onNotice(n);
    }
  };

  const lost = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    listening = false;
    c.end().catch(() => undefined);
    for (const subs of [...byUser.values()]) for (const s of [...subs]) s.onGap();
    if (!closed) schedule();
  };

  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    client = c;
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    c.on('notification', (msg) => {
      if (msg.channel === channel) dispatch(msg.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      log.warn({ err, channel }, 'could not listen for change notices; retrying');
      lost(c);
      return;
    }
    if (client !== c) return;
    listening = true;
    if (failures > 0) log.info({ channel }, 'listening for change notices again');
    failures = 0;
  };

  function schedule() {
    failures++;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, backoffMs(failures, RECONNECT));
    retryTimer.unref();
  }

  return {
    get listening() {
      return listening;
    },
    get subscribers() {
      return count;
    },
    toEveryone(make, options = {}) {
      const spread = options.spreadMs ?? 0;
      for (const [userId, subs] of [...byUser]) {
        const notice = make(userId);
        for (const s of [...subs]) {
          if (spread <= 0) s.onNotice(notice);
          else {
            const t = setTimeout(() => {
              // Only if still subscribed: a feed closed meanwhile hears nothing more.
              if (byUser.get(userId)?.has(s)) s.onNotice(notice);
            }, Math.floor(Math.random() * spread));
            t.unref();
          }
        }
      }
    },
    subscribe(userId, subscription) {
      let subs = byUser.get(userId);
      if (!subs) byUser.set(userId, (subs = new Set()));
      subs.add(subscription);
      count++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        count--;
        subs.delete(subscription);
        if (subs.size === 0 && byUser.get(userId) === subs) byUser.delete(userId);
      };
    },
    async start() {
      await connect();
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const c = client;
      client = undefined;
      listening = false;
      await c?.end().catch(() => undefined);
    },
  };
}
