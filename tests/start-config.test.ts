import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { GATEWAY_KEYS, StartConfigSchema, gatewayEnv } from '../scripts/start-config.js';

test("npm start passes the gateway's tunable keys through, TRUST_PROXY among them, and keeps what it sets itself", () => {
  for (const key of ['CORS_ORIGINS', 'TRUST_PROXY', 'RATE_LIMIT_MAX', 'UPSTREAM_TIMEOUT_MS']) assert.ok(GATEWAY_KEYS.includes(key), key);
  for (const key of ['PORT', 'AUTH_URL', 'DATABASE_URL', 'INTERNAL_TOKEN', 'WEB_DIST_DIR', 'MIGRATE_ON_START']) assert.ok(!GATEWAY_KEYS.includes(key), key);
  const cfg = Value.Default(StartConfigSchema, { TRUST_PROXY: '1', CORS_ORIGINS: 'https://app.example.com' }) as Parameters<typeof gatewayEnv>[0];
  assert.equal(gatewayEnv(cfg).TRUST_PROXY, '1');
  assert.equal(gatewayEnv(cfg).CORS_ORIGINS, 'https://app.example.com');
});
