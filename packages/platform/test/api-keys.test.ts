import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { actorOf, cachedApiKeyVerifier, principalOf, remoteApiKeyVerifier, type ApiKeyCaller, type ApiKeyVerifier } from '../src/api-keys.js';
import { createServiceClient } from '../src/http-client.js';
import { requireAuth, type TokenVerifier } from '../src/auth.js';
import { AppError } from '../src/errors.js';
import { UpstreamError } from '../src/upstream-error.js';

const SECRET = `qlk_AbCd1234_${'x'.repeat(43)}`;
const OTHER = `qlk_ZzZz9999_${'y'.repeat(43)}`;
const KEY: ApiKeyCaller = { id: '7d7b1c9e-2a4f-4a57-9d7e-1f0c2b3a4d5e', name: 'backend', prefix: 'AbCd1234', scopes: ['catalog:write'] };

/** A lookup that counts its calls and answers from a table that tests change. */
function table(entries: Record<string, ApiKeyCaller | null> = { [SECRET]: KEY }) {
  const calls: string[] = [];
  const lookup: ApiKeyVerifier = async (secret) => {
    calls.push(secret);
    return entries[secret] ?? null;
  };
  return { calls, lookup, entries };
}

describe('cachedApiKeyVerifier', () => {
  test('a verdict is remembered for the TTL, then asked again (a revocation shows after it)', async () => {
    let clock = 1_000_000;
    const t = table();
    const verify = cachedApiKeyVerifier(t.lookup, { ttlMs: 2000, now: () => clock });
    assert.deepEqual(await verify(SECRET, 'r1'), KEY);
    assert.deepEqual(await verify(SECRET, 'r2'), KEY);
    assert.equal(t.calls.length, 1, 'the second check came from the cache');
    t.entries[SECRET] = null; // revoked at the source
    clock += 1999;
    assert.deepEqual(await verify(SECRET, 'r3'), KEY, 'within the TTL the old verdict holds');
    clock += 2;
    assert.equal(await verify(SECRET, 'r4'), null, 'past the TTL the revocation is seen');
    assert.equal(t.calls.length, 2);
  });

  test('an unknown key is remembered too: a flood of one bad key asks once per TTL', async () => {
    const t = table();
    const verify = cachedApiKeyVerifier(t.lookup);
    for (let i = 0; i < 5; i++) assert.equal(await verify(OTHER, 'r'), null);
    assert.equal(t.calls.length, 1);
  });

  test('concurrent first checks of one key share one lookup', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const verify = cachedApiKeyVerifier(async () => {
      calls++;
      await gate;
      return KEY;
    });
    const all = Promise.all(Array.from({ length: 20 }, (_, i) => verify(SECRET, `r${i}`)));
    release();
    const results = await all;
    assert.equal(calls, 1);
    assert.ok(results.every((k) => k?.id === KEY.id));
  });

  test('malformed secrets are refused without a lookup', async () => {
    const t = table();
    const verify = cachedApiKeyVerifier(t.lookup);
    for (const bad of ['qlk_', 'qlk_short_abc', `qlk_AbCd123_${'x'.repeat(43)}`, `qlk_AbCd1234_${'x'.repeat(42)}`, `qlk_AbCd1234_${'x'.repeat(43)}!`, `QLK_AbCd1234_${'x'.repeat(43)}`]) {
      assert.equal(await verify(bad, 'r'), null, bad);
    }
    assert.equal(t.calls.length, 0);
  });

  test('a lookup that fails is not remembered: the next request asks again', async () => {
    let fail = true;
    const verify = cachedApiKeyVerifier(async () => {
      if (fail) throw new UpstreamError('auth', 'down');
      return KEY;
    });
    await assert.rejects(verify(SECRET, 'r'), UpstreamError);
    fail = false;
    assert.deepEqual(await verify(SECRET, 'r'), KEY);
  });
});

describe('requireAuth with API keys', () => {
  const noTokens: TokenVerifier = async () => {
    throw new Error('not a token');
  };
  const run = async (opts: Parameters<typeof requireAuth>[1], secret: string) => {
    const request = { headers: { authorization: `Bearer ${secret}` }, id: 'req-1' } as unknown as FastifyRequest;
    await requireAuth(noTokens, opts)(request, {} as FastifyReply);
    return request;
  };
  const refused = (status: number, code: string, message?: RegExp) => (err: unknown) =>
    err instanceof AppError && err.statusCode === status && err.code === code && (!message || message.test(err.message));
  const keys = cachedApiKeyVerifier(table().lookup);

  test('a key with the scope passes; the request names the key and its actor', async () => {
    const request = await run({ role: 'admin', scope: 'catalog:write', keys }, SECRET);
    assert.deepEqual(request.apiKey, KEY);
    assert.equal(request.user, undefined);
    assert.equal(actorOf(principalOf(request)!), `key:${KEY.id}`);
  });

  test('a key without the scope is 403 naming the scope', async () => {
    await assert.rejects(run({ role: 'admin', scope: 'users:read', keys }, SECRET), refused(403, 'FORBIDDEN', /requires scope users:read/));
  });

  test('a valid key on a route without a scope is 403; on a route without key checking 401', async () => {
    await assert.rejects(run({ keys }, SECRET), refused(403, 'FORBIDDEN'));
    await assert.rejects(run({ role: 'admin', scope: 'catalog:write' }, SECRET), refused(401, 'UNAUTHENTICATED'));
  });

  test('an unknown, malformed or mistyped key is 401', async () => {
    for (const s of [OTHER, 'qlk_nope', SECRET.slice(0, -1) + 'y']) {
      await assert.rejects(run({ role: 'admin', scope: 'catalog:write', keys }, s), refused(401, 'UNAUTHENTICATED'), s);
    }
  });

  test('keys that cannot be checked now are 503, not 401', async () => {
    const down: ApiKeyVerifier = async () => {
      throw new UpstreamError('auth', 'down');
    };
    await assert.rejects(run({ scope: 'catalog:write', keys: down }, SECRET), refused(503, 'UPSTREAM_UNAVAILABLE'));
  });
});

describe('remoteApiKeyVerifier (auth asked over HTTP)', () => {
  test('200 with a key → the key; 404 → null; 200 of another shape or a 5xx → UpstreamError (no verdict)', async () => {
    const answers: Record<string, { status: number; body: unknown }> = {
      [SECRET]: { status: 200, body: { apiKey: KEY } },
      [OTHER]: { status: 404, body: { error: { code: 'NOT_FOUND' } } },
      [`qlk_Shape001_${'s'.repeat(43)}`]: { status: 200, body: { apiKey: { id: KEY.id, scopes: 'everything' } } },
      [`qlk_Error001_${'e'.repeat(43)}`]: { status: 500, body: { error: { code: 'INTERNAL' } } },
    };
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c));
      req.on('end', () => {
        const answer = answers[(JSON.parse(raw) as { secret: string }).secret] ?? { status: 404, body: {} };
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const verify = remoteApiKeyVerifier(createServiceClient({ service: 'auth', baseUrl: `http://127.0.0.1:${port}`, internalToken: 'test-token' }), { ttlMs: 0 });
      assert.deepEqual(await verify(SECRET, 'r1'), KEY);
      assert.equal(await verify(OTHER, 'r2'), null);
      await assert.rejects(verify(`qlk_Shape001_${'s'.repeat(43)}`, 'r3'), UpstreamError);
      await assert.rejects(verify(`qlk_Error001_${'e'.repeat(43)}`, 'r4'), UpstreamError);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
