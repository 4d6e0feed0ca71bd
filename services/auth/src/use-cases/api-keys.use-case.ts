import { isUniqueViolation, toPage, type ApiKeyCaller, type Page, type Scope } from '@questline/platform';
import type { AuthContext } from './auth-context.js';
import {
  API_KEY_PREFIX_UNIQUE,
  findApiKeyByPrefix,
  insertApiKey,
  listApiKeys,
  lockApiKey,
  revokeApiKey,
  touchApiKey,
} from '../db/api-keys.repository.js';
import { insertAudit } from '../db/audit.repository.js';
import { generateApiKey, hashApiKeySecret, prefixOf, secretMatches, toApiKeyCaller, toApiKeyView, type ApiKeyView } from '../domain/api-keys.js';

/** 62^8 prefixes: a collision is rare, a few in a row would mean a broken random source. */
const PREFIX_ATTEMPTS = 3;

type KeyStore = Pick<AuthContext, 'db' | 'apiKeyHashKey'>;

/** Creates a key; the secret is in this answer only (what is stored is its keyed hash). */
export async function createApiKey(ctx: AuthContext, actorId: string, input: { name: string; scopes: Scope[] }): Promise<{ apiKey: ApiKeyView; secret: string }> {
  for (let attempt = 1; ; attempt++) {
    const { prefix, secret } = generateApiKey();
    try {
      const row = await ctx.db.transaction().execute(async (trx) => {
        const created = await insertApiKey(trx, { name: input.name, prefix, secretHash: hashApiKeySecret(ctx.apiKeyHashKey, secret), scopes: input.scopes, createdBy: actorId });
        await insertAudit(trx, { actorId, action: 'api_key.created', entity: 'api_key', entityKey: created.id, details: { name: created.name, prefix, scopes: input.scopes } });
        return created;
      });
      return { apiKey: toApiKeyView(row), secret };
    } catch (err) {
      if (!isUniqueViolation(err, API_KEY_PREFIX_UNIQUE) || attempt >= PREFIX_ATTEMPTS) throw err;
    }
  }
}

export async function apiKeysPage(ctx: AuthContext, page: { limit: number; before?: [string, string] }): Promise<Page<ApiKeyView>> {
  const rows = await listApiKeys(ctx.db, { limit: page.limit + 1, before: page.before });
  const { items, nextCursor } = toPage(rows, page.limit, (last) => [last.sort_ts, last.id]);
  return { items: items.map(toApiKeyView), nextCursor };
}

export type RevokeOutcome = { kind: 'revoked' } | { kind: 'already_revoked' } | { kind: 'not_found' };

/** Revokes a key (idempotent: a second revocation changes nothing and writes no audit row). */
export async function revokeApiKeyById(ctx: AuthContext, actorId: string, id: string): Promise<RevokeOutcome> {
  return ctx.db.transaction().execute(async (trx): Promise<RevokeOutcome> => {
    const key = await lockApiKey(trx, id);
    if (!key) return { kind: 'not_found' };
    if (key.revoked_at) return { kind: 'already_revoked' };
    await revokeApiKey(trx, id);
    await insertAudit(trx, { actorId, action: 'api_key.revoked', entity: 'api_key', entityKey: id, details: { name: key.name, prefix: key.prefix } });
    return { kind: 'revoked' };
  });
}

/**
 * The live key behind a secret, or null (malformed, unknown, wrong secret, revoked), recording the
 * use to the minute. Uncached: the internal verify route and auth's own cached verifier call it.
 */
export async function lookupApiKey(ctx: KeyStore, secret: string): Promise<ApiKeyCaller | null> {
  const prefix = prefixOf(secret);
  if (!prefix) return null;
  const row = await findApiKeyByPrefix(ctx.db, prefix);
  if (!row || !secretMatches(ctx.apiKeyHashKey, secret, row.secret_hash) || row.revoked_at) return null;
  await touchApiKey(ctx.db, row.id);
  return toApiKeyCaller(row);
}
