import { createHash } from 'node:crypto';
import { canonicalJson } from './text.js';

/** A strong validator for a JSON body: equal bodies give equal tags. */
export function bodyEtag(body: unknown): string {
  return `"${createHash('sha256').update(canonicalJson(body)).digest('base64url').slice(0, 27)}"`;
}

/** If-None-Match semantics (RFC 9110 §13.1.2): weak comparison, lists and `*`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const wanted = etag.replace(/^W\//, '');
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t.replace(/^W\//, '') === wanted);
}
