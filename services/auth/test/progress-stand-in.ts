import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NonceCache, verifyInternal } from '@questline/platform';
import type { UserEvent, UserProfileUpdate } from '@questline/contracts';
import { INTERNAL_TOKEN } from './support.js';

const PROFILE_PATH = /^\/internal\/users\/([0-9a-f-]{36})\/profile$/;

/**
 * A small real HTTP stand-in for progress: POST /internal/events and, once `profileRoute` is
 * 'ok', POST /internal/users/:id/profile and POST /internal/users/profiles (until then they answer
 * 404, like a progress that does not have the route yet). `profiles` has one entry per profile.
 */
export class ProgressStandIn {
  server: Server;
  received: Array<{ signed: boolean; events: UserEvent[] }> = [];
  profiles: Array<{ signed: boolean; path: string; body: UserProfileUpdate }> = [];
  private nonces = new NonceCache();
  /** How many upcoming event requests to answer `failStatus` (503 unless told otherwise). */
  failNext = 0;
  failStatus = 503;
  down = false;
  profileRoute: 'ok' | 'missing' = 'ok';
  /** Per user id, the code progress rejects that user's events with. */
  rejectUser = new Map<string, string>();

  constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const verdict = verifyInternal(INTERNAL_TOKEN, { method: req.method ?? '', path: req.url ?? '', body: raw, headers: req.headers }, this.nonces);
        const profile = PROFILE_PATH.exec(req.url ?? '');
        const batch = req.url === '/internal/users/profiles';
        if (req.method === 'POST' && (profile || batch)) {
          const bodies = batch ? (JSON.parse(raw) as { profiles: UserProfileUpdate[] }).profiles : [JSON.parse(raw) as UserProfileUpdate];
          for (const body of bodies) this.profiles.push({ signed: verdict === 'ok', path: req.url!, body });
          if (this.down) res.writeHead(503).end();
          else if (this.profileRoute === 'missing') res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND"}}');
          else res.writeHead(204).end();
          return;
        }
        if (req.method !== 'POST' || req.url !== '/internal/events') {
          res.writeHead(404).end();
          return;
        }
        const { events } = JSON.parse(raw) as { events: UserEvent[] };
        this.received.push({ signed: verdict === 'ok', events });
        if (this.down || this.failNext > 0) {
          const status = this.down ? 503 : this.failStatus;
          this.failNext = Math.max(0, this.failNext - 1);
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: status === 503 ? 'UNAVAILABLE' : 'VALIDATION' } }));
          return;
        }
        const rejected = events
          .map((e, index) => ({ index, code: this.rejectUser.get(e.userId) }))
          .filter((r): r is { index: number; code: string } => r.code !== undefined);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accepted: events.length - rejected.length, duplicates: 0, rejected }));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  eventsFor(userId: string): UserEvent[] {
    return this.received.flatMap((r) => r.events).filter((e) => e.userId === userId);
  }

  profilesFor(userId: string): UserProfileUpdate[] {
    return this.profiles.filter((p) => p.body.id === userId).map((p) => p.body);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls until the probe returns something truthy (for the relay's asynchronous deliveries). */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
