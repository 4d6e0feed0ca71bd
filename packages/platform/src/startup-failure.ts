import { ConfigError } from './config.js';

/**
 * Errors that mean the database could not be reached or refused the connection: network codes
 * from Node, and PostgreSQL's SQLSTATEs for a refused login (28000, 28P01), an unknown database
 * (3D000) and a server that does not take connections yet or any more (57P03, 53300).
 */
const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  '28000', '28P01', '3D000', '57P03', '53300',
]);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** The URL without its password (and without the values of query parameters that may hold secrets). */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) if (/pass|secret|key/i.test(key)) parsed.searchParams.set(key, 'redacted');
    return parsed.toString();
  } catch {
    return 'the database (DATABASE_URL does not parse as a URL)';
  }
}

function connectFailure(err: unknown): string | undefined {
  const e = (err ?? {}) as ErrorLike;
  // Node reports a host with several addresses (localhost: ::1 and 127.0.0.1) as an AggregateError.
  const inner = Array.isArray(e.errors) ? ((e.errors[0] ?? {}) as ErrorLike) : undefined;
  const code = typeof e.code === 'string' ? e.code : typeof inner?.code === 'string' ? inner.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  // A network error's code says it all; PostgreSQL's message names the user or the database.
  if (code && CONNECT_CODES.has(code)) return code.startsWith('E') ? code : message || code;
  if (/^Connection terminated/.test(message)) return message;
  return undefined;
}

/**
 * The one line a service prints when it cannot start: the database it could not reach (password
 * redacted) and why, a failed migration, a setting only the database could judge, or whatever
 * else stopped it.
 */
export function describeStartupFailure(service: string, err: unknown, databaseUrl?: string): string {
  if (err instanceof ConfigError) return `${service}: ${err.message}`;
  const reason = databaseUrl === undefined ? undefined : connectFailure(err);
  if (reason !== undefined) return `${service}: cannot connect to ${redactDatabaseUrl(databaseUrl!)}: ${reason}`;
  const e = (err ?? {}) as ErrorLike;
  const message = typeof e.message === 'string' && e.message ? e.message : typeof e.code === 'string' ? e.code : String(err);
  return `${service}: ${message.split('\n')[0]}`;
}
