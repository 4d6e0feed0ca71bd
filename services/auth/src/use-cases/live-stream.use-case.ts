import { prepareUserFeed, type ChangeListener, type ChangeNotice, type FeedFrame, type PreparedFeed } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { entriesByIds } from '../db/ledger.repository.js';
import { insertStreamTicket, takeStreamTicket } from '../db/stream-tickets.repository.js';
import type { UserRow } from '../db/schema.js';
import { findUserById } from '../db/users.repository.js';
import { toLedgerEntryView } from '../domain/grants.js';
import { isStreamTicketShape, newStreamTicket, STREAM_TICKET_TTL_SECONDS, streamTicketHash } from '../domain/stream-tickets.js';
import type { UserChange } from '../domain/user-changes.js';
import { userView } from './users.use-case.js';

/** POST /me/stream-tickets: a ticket for the caller, shown once. */
export async function createStreamTicket(ctx: AuthContext, userId: string): Promise<{ ticket: string; expiresIn: number }> {
  const { ticket, hash } = newStreamTicket();
  await insertStreamTicket(ctx.db, { hash, userId, ttlSeconds: STREAM_TICKET_TTL_SECONDS });
  return { ticket, expiresIn: STREAM_TICKET_TTL_SECONDS };
}

export type RedeemOutcome = { kind: 'ok'; user: UserRow } | { kind: 'invalid' } | { kind: 'banned' };

/** The gateway's redemption of a ticket: once, within its lifetime, for a user still allowed in. */
export async function redeemStreamTicket(ctx: AuthContext, ticket: string): Promise<RedeemOutcome> {
  if (!isStreamTicketShape(ticket)) return { kind: 'invalid' };
  const taken = await takeStreamTicket(ctx.db, streamTicketHash(ticket));
  if (!taken?.live) return { kind: 'invalid' };
  const user = await findUserById(ctx.db, taken.userId);
  if (!user) return { kind: 'invalid' };
  if (user.status === 'banned') return { kind: 'banned' };
  return { kind: 'ok', user };
}

export type FeedRefusal = 'unknown-user' | 'banned';

/**
 * Auth's half of a player's live stream (the gateway joins it with progress's): the user as GET /me
 * shows it, then `reward` for each ledger entry and `user` whenever the user or their balances
 * changed. A ban sends the banned user and ends the feed.
 */
export function prepareAuthFeed(ctx: AuthContext, listener: ChangeListener, userId: string, log: { warn(obj: object, msg: string): void }): Promise<PreparedFeed<FeedRefusal>> {
  const readUser = async () => {
    const row = await findUserById(ctx.db, userId);
    return row ? userView(ctx.db, row) : undefined;
  };
  return prepareUserFeed<FeedRefusal>(
    listener,
    userId,
    {
      async snapshot() {
        const user = await readUser();
        if (!user) return { ok: false, reason: 'unknown-user' };
        if (user.status === 'banned') return { ok: false, reason: 'banned' };
        return { ok: true, frame: { event: 'snapshot', data: { user } } };
      },
      async onNotices(notices: ChangeNotice[]) {
        const entryIds = (notices as UserChange[]).flatMap((n) => (n.k === 'entries' ? n.ids : []));
        const user = await readUser();
        if (!user) return { frames: [], end: true };
        const frames: FeedFrame[] = [];
        for (const entry of await entriesByIds(ctx.db, userId, entryIds)) {
          frames.push({ event: 'reward', data: { entry: toLedgerEntryView(entry), balances: user.balances } });
        }
        frames.push({ event: 'user', data: user });
        return { frames, end: user.status === 'banned' };
      },
    },
    log,
  );
}
