import type { Kysely } from 'kysely';
import type { ApiKeyVerifier, OutboundPolicy } from '@questline/platform';
import type { CatalogCurrencies } from '../clients/catalog-currencies.js';
import type { AuthDatabase, OutboxKind } from '../db/schema.js';
import type { SourceType } from '../domain/grants.js';
import type { UserChange } from '../domain/user-changes.js';

// Its own module, imported by the use cases and by context.ts (which builds it): context.ts also
// imports use cases, so the type living there made an import cycle.

/** What the use cases need besides their input. */
export interface AuthContext {
  db: Kysely<AuthDatabase>;
  /** The catalog's currencies, for admin grants only (quest rewards must not wait on the catalog). */
  currencies: CatalogCurrencies;
  /**
   * After commit: the change is in the outbox already; this saves progress (or, for `webhook`, the
   * receivers of the messages just enqueued) waiting for the next poll.
   */
  nudge(kind: OutboxKind | 'webhook'): void;
  /** After commit: tells every replica's live streams of the user to read it again (domain/user-changes.ts). */
  publishChange(change: UserChange): void;
  /** After commit, once per grant that paid (a duplicate is not counted). */
  recordGrant(source: SourceType): void;
  /** The HMAC key API-key secrets are hashed with (README.md, "API keys"). */
  apiKeyHashKey: Buffer;
  /** The AES-256 key webhook signing secrets are stored under (domain/webhook-secrets.ts). */
  webhookSecretKey: Buffer;
  /** Which receiver URLs are allowed (WEBHOOK_ALLOW_HTTP / WEBHOOK_ALLOW_PRIVATE). */
  webhookPolicy: OutboundPolicy;
  /** Auth's own check of API keys on its routes: the local table behind a short cache. */
  apiKeys: ApiKeyVerifier;
}

export interface Actor {
  id: string;
}
