import {
  createServiceClient,
  remoteApiKeyVerifier,
  remoteTokenVerifier,
  requireAuth,
  type ApiKeyVerifier,
  type AuthGuard,
  type Metrics,
  type TokenVerifier,
} from '@questline/platform';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { createAuthUserConfirmer } from './clients/auth-user-confirmer.js';
import type { Config } from './config.js';
import type { CatalogDatabase } from './db/schema.js';

/** What the use cases need: the database and a hook for the domain change counter. */
export interface CatalogContext {
  db: Kysely<CatalogDatabase>;
  /** Called after commit, once per change that took effect (no-ops are not counted). */
  recordChange(action: string): void;
}

export interface Actor {
  /** `user:<id>` or `key:<id>` (platform's actorOf): what the audit names. */
  id: string;
}

/** Everything the routes are built from, assembled once in buildApp. */
export interface CatalogDependencies {
  ctx: CatalogContext;
  /** Verifies access tokens against auth's published keys (refreshed in the background). */
  verify: TokenVerifier;
  /** API keys, asked of auth behind a 2 s cache (a revocation holds within it). */
  keys: ApiKeyVerifier;
  /** Guard of the admin routes no scope covers (the audit): an admin's token only. */
  adminOnly: AuthGuard;
  /** Guard of the catalog's write routes (quests, rewards, currencies): an admin, or a key with catalog:write. */
  catalogWrite: AuthGuard;
  close(): void;
}

export function createCatalogDependencies(config: Config, db: Kysely<CatalogDatabase>, metrics: Metrics, log: FastifyBaseLogger): CatalogDependencies {
  const changes = metrics.counter('questline_catalog_changes_total', 'Catalog changes that took effect, by action', ['action']);
  const verify = remoteTokenVerifier(`${config.AUTH_URL.replace(/\/$/, '')}/.well-known/jwks.json`, { log: log.child({ component: 'jwks' }) });
  // A valid admin token is only the cheap reject: auth confirms the caller is still an admin and
  // not banned, because a token outlives a demotion or a ban by up to 15 minutes.
  const auth = createServiceClient({ service: 'auth', baseUrl: config.AUTH_URL, internalToken: config.INTERNAL_TOKEN, timeoutMs: 2000 });
  const confirm = createAuthUserConfirmer(auth);
  const keys = remoteApiKeyVerifier(auth);
  const adminOnly = requireAuth(verify, { role: 'admin', keys, confirm });
  const catalogWrite = requireAuth(verify, { role: 'admin', scope: 'catalog:write', keys, confirm });
  return {
    ctx: { db, recordChange: (action) => changes.inc({ action }) },
    verify,
    keys,
    adminOnly,
    catalogWrite,
    close: () => verify.close(),
  };
}
