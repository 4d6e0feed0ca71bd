import type { Scope } from '@questline/platform';

export type Upstream = 'auth' | 'catalog' | 'progress';
export type Access = 'public' | 'user' | 'admin';
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface PublicRoute {
  url: string;
  upstream: Upstream;
  /** Who may call with an access token: anyone, any signed-in user, or an admin. */
  access: Access;
  /**
   * The API-key scope that also opens the route (every method); without it (and without `scopes`)
   * a valid key is 403 here. An admin's token holds every scope.
   */
  scope?: Scope;
  /** Per-method scopes, for a path whose methods need different ones (HEAD follows GET). */
  scopes?: Partial<Record<Method, Scope>>;
  /** Larger bodies only where the contract says so (the admin event batch). */
  bodyLimit?: number;
  /** Login and signup get a much smaller per-IP budget (AUTH_RATE_LIMIT_MAX): a brute-force brake. */
  strictRateLimit?: boolean;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const BATCH_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * Every public path of api.md (and our additions to it) and the service that owns it, each spelled
 * out: no prefix wildcards, so a route a service adds later is not public until it is listed here.
 * Anything not matched — notably /internal/* — is a 404 at the gateway and never reaches a service.
 * The router prefers static segments to parameters, which is how /api/v1/admin/users/:userId/quests
 * reaches progress while /api/v1/admin/users/:userId reaches auth.
 */
export const ROUTES: PublicRoute[] = [
  { url: '/.well-known/jwks.json', upstream: 'auth', access: 'public' },
  { url: '/api/v1/auth/signup', upstream: 'auth', access: 'public', strictRateLimit: true },
  { url: '/api/v1/auth/login', upstream: 'auth', access: 'public', strictRateLimit: true },
  { url: '/api/v1/auth/refresh', upstream: 'auth', access: 'public' },
  { url: '/api/v1/auth/logout', upstream: 'auth', access: 'user' },
  { url: '/api/v1/me', upstream: 'auth', access: 'user' },
  { url: '/api/v1/me/ledger', upstream: 'auth', access: 'user' },
  { url: '/api/v1/me/stream-tickets', upstream: 'auth', access: 'user' },
  { url: '/api/v1/admin/users', upstream: 'auth', access: 'admin', scope: 'users:read' },
  { url: '/api/v1/admin/users/:userId', upstream: 'auth', access: 'admin', scopes: { GET: 'users:read', HEAD: 'users:read' } },
  { url: '/api/v1/admin/users/:userId/grants', upstream: 'auth', access: 'admin', scope: 'users:write' },
  { url: '/api/v1/admin/users/:userId/ledger', upstream: 'auth', access: 'admin', scope: 'users:read' },
  // Key management takes an admin's token: a key never mints or revokes keys.
  { url: '/api/v1/admin/api-keys', upstream: 'auth', access: 'admin' },
  { url: '/api/v1/admin/api-keys/:id', upstream: 'auth', access: 'admin' },
  { url: '/api/v1/admin/account-audit', upstream: 'auth', access: 'admin' },
  { url: '/api/v1/users/external/:externalId', upstream: 'auth', access: 'admin', scopes: { GET: 'users:read', HEAD: 'users:read', PUT: 'users:write' } },
  { url: '/api/v1/users/:userId/sessions', upstream: 'auth', access: 'admin', scope: 'users:write' },
  { url: '/api/v1/users/:userId/debits', upstream: 'auth', access: 'admin', scope: 'users:write' },
  { url: '/api/v1/admin/webhooks', upstream: 'auth', access: 'admin', scope: 'webhooks:write' },
  { url: '/api/v1/admin/webhooks/:id', upstream: 'auth', access: 'admin', scope: 'webhooks:write' },
  { url: '/api/v1/admin/webhooks/:id/rotate-secret', upstream: 'auth', access: 'admin', scope: 'webhooks:write' },
  { url: '/api/v1/admin/webhooks/:id/test', upstream: 'auth', access: 'admin', scope: 'webhooks:write' },
  { url: '/api/v1/admin/webhooks/:id/deliveries', upstream: 'auth', access: 'admin', scope: 'webhooks:write' },
  { url: '/api/v1/admin/webhooks/:id/deliveries/:deliveryId/retry', upstream: 'auth', access: 'admin', scope: 'webhooks:write' },

  { url: '/api/v1/quests', upstream: 'catalog', access: 'public' },
  { url: '/api/v1/quests/:key', upstream: 'catalog', access: 'public' },
  { url: '/api/v1/rewards', upstream: 'catalog', access: 'public' },
  { url: '/api/v1/rewards/:id', upstream: 'catalog', access: 'public' },
  { url: '/api/v1/currencies', upstream: 'catalog', access: 'public' },
  { url: '/api/v1/admin/quests', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/quests/:key', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/quests/:key/publish', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/quests/:key/archive', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/rewards', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/rewards/:id', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/currencies', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/event-types', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/event-types/:type', upstream: 'catalog', access: 'admin', scope: 'catalog:write' },
  { url: '/api/v1/admin/audit', upstream: 'catalog', access: 'admin' },

  // A player's token records their own events; a server's key needs events:write.
  { url: '/api/v1/events', upstream: 'progress', access: 'user', scope: 'events:write' },
  { url: '/api/v1/admin/events', upstream: 'progress', access: 'admin', scope: 'events:write', bodyLimit: BATCH_BODY_LIMIT },
  { url: '/api/v1/me/quests', upstream: 'progress', access: 'user' },
  { url: '/api/v1/me/quests/:key/claim', upstream: 'progress', access: 'user' },
  { url: '/api/v1/admin/users/:userId/quests', upstream: 'progress', access: 'admin', scope: 'users:read' },
];
