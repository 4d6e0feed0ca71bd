import { sql } from 'kysely';
import type { Executor } from '@questline/platform';
import type { AuthDatabase } from './schema.js';

type Db = Executor<AuthDatabase>;

/** Stores a ticket, and removes the expired ones (redeemed tickets are gone already). */
export async function insertStreamTicket(db: Db, ticket: { hash: Buffer; userId: string; ttlSeconds: number }): Promise<void> {
  await db.deleteFrom('stream_tickets').where('expires_at', '<', sql<Date>`now()`).execute();
  await db
    .insertInto('stream_tickets')
    .values({ ticket_hash: ticket.hash, user_id: ticket.userId, expires_at: sql<Date>`now() + make_interval(secs => ${ticket.ttlSeconds})` })
    .execute();
}

/** Takes the ticket out (it works once): its user while it is still valid, else undefined. */
export async function takeStreamTicket(db: Db, hash: Buffer): Promise<{ userId: string; live: boolean } | undefined> {
  const row = await db
    .deleteFrom('stream_tickets')
    .where('ticket_hash', '=', hash)
    .returning(['user_id', sql<boolean>`expires_at > now()`.as('live')])
    .executeTakeFirst();
  return row ? { userId: row.user_id, live: row.live } : undefined;
}
