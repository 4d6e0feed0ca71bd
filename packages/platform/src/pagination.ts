import { Type, type Static } from '@sinclair/typebox';
import { AppError } from './errors.js';

export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
});
export type PageQuery = Static<typeof PageQuery>;

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
