import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createTokenVerifier, remoteTokenVerifier, requireAuth, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/auth.js';
import { createJwksSource, KeysUnavailableError } from '../src/jwks-source.js';
import { AppError } from '../src/errors.js';

const USER = '3f1c2a9e-5b7d-4c1e-9f0a-2b3c4d5e6f70';

async function keyPair(kid: string): Promise<{ kid: string; privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' } };
}

const [k1, k2] = await Promise.all([keyPair('k1'), keyPair('k2')]);

function token(key: { kid: string; privateKey: CryptoKey }, kid = key.kid) {
  return new SignJWT({ role: 'player', status: 'active', tz: 'UTC' })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setSubject(USER)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

/** Auth's JWKS endpoint as a real HTTP server whose keys and health the test controls. */
interface JwksServer {
  url: string;
  keys: JWK[];
  /** up: answers; down: drops every connection; hang: never answers. */
  mode: 'up' | 'down' | 'hang';
  fetches: number;
  close(): Promise<void>;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function jwksServer(keys: JWK[]): Promise<JwksServer> {
  const state: JwksServer = {
    url: '',
    keys,
    mode: 'up',
    fetches: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    state.fetches++;
    if (state.mode === 'down') return req.socket.destroy();
    if (state.mode === 'hang') return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return state;
}

/** requireAuth's verdict on a bearer token: the AppError's status and code, or 'ok'. */
async function guardVerdict(verify: ReturnType<typeof createTokenVerifier>, bearer: string): Promise<string> {
  const request = { headers: { authorization: `Bearer ${bearer}` }, id: 'req-1' } as unknown as FastifyRequest;
  try {
    await requireAuth(verify)(request, {} as FastifyReply);
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return `${err.statusCode} ${err.code}`;
  }
}

test('stale-if-error: with auth down, tokens still verify against the last good key set, without waiting', async () => {
  const server = await jwksServer([k1.jwk]);
  const source = createJwksSource(server.url, { refreshMs: 100, retryMs: 50 });
  const verify = createTokenVerifier(source, { cacheSize: 0 });
  try {
    await verify(await token(k1));
    server.mode = 'down';
    const before = server.fetches;
    await sleep(400);
    assert.ok(server.fetches > before, 'refreshes were attempted and failed');
    assert.equal((await verify(await token(k1))).id, USER, 'a token never seen before verifies');

    await server.close();
    await sleep(150);
    assert.equal((await verify(await token(k1))).id, USER, 'with the server gone altogether too');
  } finally {
    source.close();
  }
});

test('a refresh that hangs never holds up a request for a known key', async () => {
  const server = await jwksServer([k1.jwk]);
  const source = createJwksSource(server.url, { refreshMs: 60_000, timeoutMs: 3_000 });
  const verify = createTokenVerifier(source, { cacheSize: 0 });
  try {
    await source.refresh();
    server.mode = 'hang';
    void source.refresh();
    const t0 = Date.now();
    await verify(await token(k1));
    assert.ok(Date.now() - t0 < 500, `answered in ${Date.now() - t0} ms while a refresh was pending`);
  } finally {
    source.close();
  }
});

test('an unknown kid refetches the JWKS at most once per cooldown; a newly published key is then accepted', async () => {
  const server = await jwksServer([k1.jwk]);
  const source = createJwksSource(server.url, { refreshMs: 60_000, unknownKidCooldownMs: 400 });
  const verify = createTokenVerifier(source, { cacheSize: 0 });
  try {
    await source.refresh();
    await sleep(450);
    const before = server.fetches;
    for (let i = 0; i < 20; i++) await assert.rejects(verify(await token(k2, `garbage-${i}`)), /no applicable key/i);
    assert.equal(server.fetches - before, 1, '20 garbage kids, one fetch');
    await assert.rejects(verify(await token(k2)));
    assert.equal(server.fetches - before, 1, 'still within the cooldown');

    server.keys = [k1.jwk, k2.jwk];
    await sleep(450);
    assert.equal((await verify(await token(k2))).id, USER, 'k2 fetched on demand after the cooldown');
    assert.equal(server.fetches - before, 2);
  } finally {
    source.close();
  }
});

test('a key retired from the JWKS is refused after the refresh interval, remembered tokens included', async () => {
  const server = await jwksServer([k1.jwk, k2.jwk]);
  const verify = remoteTokenVerifier(server.url, { refreshMs: 200, unknownKidCooldownMs: 60_000 });
  try {
    const old = await token(k1);
    await verify(old);
    const remaining = await token(k2);
    await verify(remaining);
    await sleep(300);
    assert.equal((await verify(old)).id, USER, 'refreshes that keep k1 keep its remembered tokens');
    server.keys = [k2.jwk];
    await sleep(300);
    await assert.rejects(verify(await token(k1)), /no applicable key/i, 'a fresh k1 token is refused after one refresh');
    assert.equal(await guardVerdict(verify, await token(k1)), '401 UNAUTHENTICATED', 'a bad token, not an outage');
    assert.equal((await verify(remaining)).id, USER, 'the remaining key still verifies, remembered');
    await assert.rejects(verify(old), /no applicable key/i, 'a remembered k1 token too: its memory ends with its key');
  } finally {
    verify.close();
  }
});

test('no key set yet and auth unreachable → 503 UPSTREAM_UNAVAILABLE (not 401); recovers once auth answers', async () => {
  const server = await jwksServer([k1.jwk]);
  server.mode = 'down';
  const verify = remoteTokenVerifier(server.url, { refreshMs: 60_000, retryMs: 100 });
  const source = createJwksSource(server.url, { refreshMs: 60_000 });
  try {
    await assert.rejects(async () => source.resolve('k1'), KeysUnavailableError);
    assert.equal(await guardVerdict(verify, await token(k1)), '503 UPSTREAM_UNAVAILABLE');
    assert.equal(await guardVerdict(verify, 'not-even-a-jwt'), '401 UNAUTHENTICATED', 'a malformed token is still a 401');

    server.mode = 'up';
    await sleep(150);
    assert.equal(await guardVerdict(verify, await token(k1)), 'ok');
  } finally {
    verify.close();
    source.close();
  }
});
