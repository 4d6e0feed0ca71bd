import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and a NUL reaching SQL would be a 500.
 * Returns the dotted path of the first string (or object key) containing one, else undefined.
 * Iterative, so that a deeply nested body cannot overflow the stack; only parsed JSON (plain
 * objects and arrays) is walked, never streams or other objects.
 */
export function findNulPath(root: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path || '(root)';
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], path ? `${path}.${i}` : String(i)]);
    } else if (value !== null && typeof value === 'object' && isPlain(value)) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i]!;
        const sub = path ? `${path}.${k}` : k;
        if (k.includes('\u0000')) return sub;
        stack.push([v, sub]);
      }
    }
  }
  return undefined;
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
  // Refuse NUL characters up front as a 400 instead of failing in SQL.
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      const path = findNulPath(value);
      if (path) throw new AppError('VALIDATION_FAILED', `${part}.${path} must not contain NUL characters`, path);
    }
  });
}
