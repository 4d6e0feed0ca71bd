import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AppError } from './errors.js';

export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
});
export type PageQuery = Static<typeof PageQuery>;

/** The response schema of a page of `item`s; `nextCursor` is null on the last page. */
export const pageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A page of at most `limit` items from a query that fetched `limit + 1` (the extra one says "there
 * is more"); the next cursor is `cursorOf` the last item returned.
 */
export function toPage<T>(rows: T[], limit: number, cursorOf: (last: T) => unknown): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(cursorOf(items[items.length - 1] as T)) };
}

/** Opaque cursors: base64url JSON of the sort key of the last item returned. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, isValid: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isValid(value)) return value;
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_FAILED', 'querystring.cursor is not a valid cursor', 'cursor');
}
