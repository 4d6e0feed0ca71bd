import { toPage, type Executor, type Page } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import { balancesOf } from '../db/ledger.repository.js';
import type { AuthDatabase, UserRow } from '../db/schema.js';
import { findUserById, listUsers } from '../db/users.repository.js';
import { toUserView, type UserRecord, type UserView } from '../domain/users.js';

/** Users as the API shows them, with their balances (one query for all of them). */
export async function userViews(db: Executor<AuthDatabase>, rows: UserRecord[]): Promise<UserView[]> {
  const balances = await balancesOf(db, rows.map((r) => r.id));
  return rows.map((row) => toUserView(row, balances.get(row.id)));
}

export async function userView(db: Executor<AuthDatabase>, row: UserRecord): Promise<UserView> {
  const [view] = await userViews(db, [row]);
  return view!;
}

/** The user as the database knows it now (tokens may be minutes old). */
export function findUser(ctx: AuthContext, userId: string): Promise<UserRow | undefined> {
  return findUserById(ctx.db, userId);
}

/** One user with balances, for an admin or a key with users:read; undefined when there is none. */
export async function userById(ctx: AuthContext, userId: string): Promise<UserView | undefined> {
  const row = await findUserById(ctx.db, userId);
  return row ? userView(ctx.db, row) : undefined;
}

/** All users, oldest first, after the key of the previous page's last user. */
export async function usersPage(ctx: AuthContext, page: { limit: number; after?: [string, string] }): Promise<Page<UserView>> {
  // One more than asked: its presence says another page follows.
  const rows = await listUsers(ctx.db, { limit: page.limit + 1, after: page.after });
  const { items, nextCursor } = toPage(rows, page.limit, (last) => [last.sort_ts, last.id]);
  return { items: await userViews(ctx.db, items), nextCursor };
}

/** GET /me: the caller as loaded by the route's guard, with balances. */
export function currentUserView(ctx: AuthContext, caller: UserRecord): Promise<UserView> {
  return userView(ctx.db, caller);
}
