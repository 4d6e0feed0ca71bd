import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

/** A string (or object key) that cannot be stored, and where it is. */
export interface UnstorableString {
  /** Dotted path: `attributes.level`, `events.3.id`, `(root)`. */
  path: string;
  /** What is wrong, for the error message: "must not contain …". */
  problem: 'NUL characters' | 'lone UTF-16 surrogates';
}

function problemOf(s: string): UnstorableString['problem'] | undefined {
  if (s.includes('\u0000')) return 'NUL characters';
  // JSON's "\ud800" escape parses to a lone surrogate: PostgreSQL's json refuses it (a 500) and
  // text columns store U+FFFD instead (a different string from the one the client sent).
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed()) return 'lone UTF-16 surrogates';
  return undefined;
}

/**
 * The first string or object key that PostgreSQL cannot hold as given: a NUL (text and jsonb refuse
 * U+0000) or a lone UTF-16 surrogate (not well-formed Unicode). Undefined when every string is fine.
 * Iterative, so that a deeply nested body cannot overflow the stack; only parsed JSON (plain
 * objects and arrays) is walked, never streams or other objects.
 */
export function findUnstorableString(root: unknown): UnstorableString | undefined {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = problemOf(value);
      if (problem) return { path: path || '(root)', problem };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], path ? `${path}.${i}` : String(i)]);
    } else if (value !== null && typeof value === 'object' && isPlain(value)) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i]!;
        const sub = path ? `${path}.${k}` : k;
        const problem = problemOf(k);
        if (problem) return { path: sub, problem };
        stack.push([v, sub]);
      }
    }
  }
  return undefined;
}

/** The 400 for an unstorable string found in one part of a request (`body`, `querystring`, `events.2`...). */
export function unstorableStringError(part: string, found: UnstorableString): AppError {
  return new AppError('VALIDATION_FAILED', `${part}.${found.path} must not contain ${found.problem}`, found.path);
}

/** Parsed JSON and parsed querystrings (whose objects have a null-prototype class) — nothing else. */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body's text as received, when there was one. */
    rawBody?: string;
  }
  interface FastifyContextConfig {
    /**
     * The body's array under this key is left out of the whole-request string check, for a batch
     * route that refuses one bad item (with `findUnstorableString`) and accepts the others.
     */
    perItemStringCheck?: string;
  }
}

/** JSON body handling shared by every service. */
export function installBodyHandling(app: FastifyInstance) {
  // Bodiless POSTs (claim, refresh) often still carry content-type: application/json; an empty
  // body is then "no body", not malformed JSON. Non-empty bodies keep the default parser, which
  // guards against prototype poisoning.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') return done(null, undefined);
    // Kept for checks that must see the exact bytes (the internal request signature).
    request.rawBody = text;
    return defaultJson(request, text, done);
  });
  // The API speaks JSON only; anything else is 415 rather than a confusing validation error.
  app.removeContentTypeParser('text/plain');
  // Refuse NUL characters and lone surrogates up front as a 400 instead of failing (or being
  // silently altered) in SQL.
  app.addHook('preValidation', async (request) => {
    const perItem = request.routeOptions.config.perItemStringCheck;
    for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', withoutItems(request.body, perItem)]] as const) {
      const found = findUnstorableString(value);
      if (found) throw unstorableStringError(part, found);
    }
  });
}

/** The body without the array its route checks item by item (its other fields are still checked). */
function withoutItems(body: unknown, key: string | undefined): unknown {
  if (!key || body === null || typeof body !== 'object' || Array.isArray(body) || !Array.isArray((body as Record<string, unknown>)[key])) return body;
  const { [key]: _items, ...rest } = body as Record<string, unknown>;
  return rest;
}
