import type { App } from '@questline/platform';
import { bearer } from './support.js';

/** An API key made the way a product gets one: POST /api/v1/admin/api-keys with an admin's token. */
export async function createApiKey(app: App, adminToken: string, scopes: string[]): Promise<{ id: string; secret: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/admin/api-keys',
    headers: bearer(adminToken),
    payload: { name: `test ${scopes.join(' ')}`, scopes },
  });
  if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
  const body = res.json() as { apiKey: { id: string }; secret: string };
  return { id: body.apiKey.id, secret: body.secret };
}
