import type { App } from '@questline/platform';
import { bearer } from './support.js';

/**
 * An API key made the way a product gets one (POST /api/v1/admin/api-keys with an admin's
 * token), or undefined while this build has no key routes: tests that need a key skip then.
 */
export async function createApiKey(app: App, adminToken: string, scopes: string[]): Promise<{ id: string; secret: string } | undefined> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/admin/api-keys',
    headers: bearer(adminToken),
    payload: { name: `test ${scopes.join(' ')}`, scopes },
  });
  if (res.statusCode === 404) return undefined;
  if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
  const body = res.json() as { apiKey: { id: string }; secret: string };
  return { id: body.apiKey.id, secret: body.secret };
}

export const NO_KEYS = 'API keys are not in this build (POST /api/v1/admin/api-keys answers 404)';
