import type { Kysely } from 'kysely';
import type { ApiKeyVerifier } from '@questline/platform';
import type { CatalogCurrencies } from '../clients/catalog-currencies.js';
import type { AuthDatabase, OutboxKind } from '../db/schema.js';
import type { SourceType } from '../domain/grants.js';

// Its own module, imported by the use cases and by context.ts (which builds it): context.ts also
// imports use cases, so the type living there made an import cycle.

/** What the use cases need besides their input. */
export interface AuthContext {
  db: Kysely<AuthDatabase>;
  /** The catalog's currencies, for admin grants only (quest rewards must not wait on the catalog). */
  currencies: CatalogCurrencies;
  /** After commit: the change is in the outbox already; this saves progress waiting for the next poll. */
  nudge(kind: OutboxKind): void;
  /** After commit, once per grant that paid (a duplicate is not counted). */
  recordGrant(source: SourceType): void;
  /** Auth's own API-key verifier (its database, through a short cache); without it keys are refused (401). */
  apiKeys?: ApiKeyVerifier;
}

export interface Actor {
  id: string;
}
