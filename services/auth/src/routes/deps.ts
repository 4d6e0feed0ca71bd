import type { Kysely } from 'kysely';
import type { Counter } from 'prom-client';
import type { TokenVerifier } from '@questline/platform';
import type { CatalogCurrencies } from '../clients/catalog-currencies.js';
import type { AuthDatabase } from '../db/schema.js';
import type { Accounts } from '../domain/accounts.js';
import type { AccessTokenSigner } from '../domain/tokens.js';
import type { OutboxRelay } from '../workers/outbox-relay.js';

/** What the route modules need from the app; built once in app.ts. */
export interface RouteDeps {
  db: Kysely<AuthDatabase>;
  accounts: Accounts;
  signer: AccessTokenSigner;
  verify: TokenVerifier;
  relay: OutboxRelay;
  /** The catalog's currencies, for admin grants only (quest rewards must not wait on the catalog). */
  currencies: CatalogCurrencies;
  internalToken: string;
  counters: {
    logins: Counter<string>;
    signups: Counter<string>;
    grants: Counter<string>;
    throttled: Counter<string>;
  };
}
