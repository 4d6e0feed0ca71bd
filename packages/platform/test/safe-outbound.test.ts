import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type LookupFunction, type Socket } from 'node:net';
import { Type } from '@sinclair/typebox';
import { request } from 'undici';
import { parseConfig } from '../src/config.js';
import {
  WebhookOutboundConfig,
  checkWebhookUrl,
  closeOutboundAgents,
  createGuardedLookup,
  createOutboundAgent,
  outboundPolicyOf,
  postWebhook,
  type OutboundPolicy,
} from '../src/safe-outbound.js';

const strict: OutboundPolicy = { allowHttp: false, allowPrivate: false };
const dev: OutboundPolicy = { allowHttp: true, allowPrivate: true };
const httpOnly: OutboundPolicy = { allowHttp: true, allowPrivate: false };

after(() => closeOutboundAgents());

describe('checkWebhookUrl', () => {
  test('a public https URL passes; its URL comes back parsed', async () => {
    const res = await checkWebhookUrl('https://93.184.216.34:8443/hooks?x=1', strict);
    assert.ok(res.ok);
    assert.equal(res.url.port, '8443');
  });

  test('http only when allowed; other schemes never', async () => {
    assert.deepEqual(await refusal('http://93.184.216.34/h', strict), 'scheme');
    assert.equal((await checkWebhookUrl('http://93.184.216.34/h', httpOnly)).ok, true);
    assert.deepEqual(await refusal('ftp://93.184.216.34/h', dev), 'scheme');
    assert.deepEqual(await refusal('file:///etc/passwd', dev), 'scheme');
    assert.deepEqual(await refusal('not a url', dev), 'invalid');
  });

  test('credentials and fragments are refused, even in development', async () => {
    assert.equal(await refusal('https://user:pw@93.184.216.34/h', dev), 'credentials');
    assert.equal(await refusal('https://user@93.184.216.34/h', dev), 'credentials');
    assert.equal(await refusal('https://93.184.216.34/h#frag', dev), 'fragment');
    assert.equal(await refusal('https://93.184.216.34/h#', dev), 'fragment');
  });

  for (const url of [
    'https://127.0.0.1/h',
    'https://10.1.2.3/h',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/h',
    'https://[::ffff:127.0.0.1]/h',
    'https://0x7f000001/h', // the URL parser reads it as 127.0.0.1
    'https://localhost:8443/h', // a name: refused because it resolves to loopback
    'https://LOCALHOST/h',
    'https://metadata.google.internal/computeMetadata/v1/',
  ]) {
    test(`${url} is refused unless private addresses are allowed`, async () => {
      const res = await checkWebhookUrl(url, strict);
      assert.equal(res.ok, false);
      assert.equal(res.ok ? '' : res.code, 'forbidden-address', res.ok ? '' : res.reason);
      assert.equal((await checkWebhookUrl(url, { allowHttp: false, allowPrivate: true })).ok, true);
    });
  }

  test('the refusal says which address', async () => {
    const res = await checkWebhookUrl('https://localhost/h', strict);
    assert.ok(!res.ok);
    assert.match(res.reason, /^localhost resolves to forbidden address (127\.0\.0\.1|::1) \(loopback|^localhost resolves to forbidden address ::1 \(unspecified/);
  });

  test('a name that does not resolve is refused as such', async () => {
    assert.equal(await refusal('https://nothing-here.invalid/h', strict), 'unresolvable');
  });

  test('the config keys default to false and become the policy', () => {
    const schema = Type.Object({ ...WebhookOutboundConfig });
    assert.deepEqual(outboundPolicyOf(parseConfig(schema, {})), strict);
    assert.deepEqual(outboundPolicyOf(parseConfig(schema, { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' })), dev);
  });
});

async function refusal(url: string, policy: OutboundPolicy): Promise<string> {
  const res = await checkWebhookUrl(url, policy);
  return res.ok ? 'ok' : res.code;
}

/** A real HTTP server on loopback; records what it saw. */
async function receiver(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void) {
  const seen: Seen = { paths: [], bodies: [], sockets: [], closed: 0 };
  const server = createServer((req, res) => {
    seen.paths.push(req.url ?? '');
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.bodies.push(body);
      handler(req, res, seen);
    });
  });
  server.on('connection', (s: Socket) => {
    seen.sockets.push(s);
    s.on('close', () => seen.closed++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, seen, url: `http://127.0.0.1:${port}`, close: () => stop(server, seen) };
}

interface Seen {
  paths: string[];
  bodies: string[];
  sockets: Socket[];
  closed: number;
}

function stop(server: Server, seen: Seen): Promise<void> {
  for (const s of seen.sockets) s.destroy();
  return new Promise((r) => server.close(() => r()));
}

const message = { headers: { 'content-type': 'application/json' }, body: '{"type":"webhook.test"}' };

describe('postWebhook (real servers on loopback)', () => {
  test('200: the body comes back truncated to the limit, and the request arrived whole', async () => {
    const r = await receiver((_req, res) => res.end('é'.repeat(100)));
    try {
      const out = await postWebhook(`${r.url}/hook`, message, { policy: dev, maxResponseBytes: 11 });
      assert.equal(out.kind, 'answered');
      assert.ok(out.kind === 'answered');
      assert.equal(out.statusCode, 200);
      assert.equal(out.body, 'ééééé', 'the half character at the limit is dropped');
      assert.equal(out.truncated, true);
      assert.deepEqual(r.seen.bodies, [message.body]);
      const whole = await postWebhook(`${r.url}/hook`, message, { policy: dev });
      assert.ok(whole.kind === 'answered' && whole.body === 'é'.repeat(100) && !whole.truncated);
    } finally {
      await r.close();
    }
  });

  test('500 is an answer', async () => {
    const r = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    try {
      const out = await postWebhook(r.url, message, { policy: dev });
      assert.deepEqual(out.kind === 'answered' && [out.statusCode, out.body], [500, 'boom']);
    } finally {
      await r.close();
    }
  });

  test('a redirect is an answer and is not followed', async () => {
    const r = await receiver((req, res) => {
      if (req.url === '/elsewhere') return void res.end('followed');
      res.writeHead(307, { location: '/elsewhere' }).end();
    });
    try {
      const out = await postWebhook(`${r.url}/hook`, message, { policy: dev });
      assert.deepEqual(out.kind === 'answered' && out.statusCode, 307);
      assert.deepEqual(r.seen.paths, ['/hook'], 'the Location target was never requested');
    } finally {
      await r.close();
    }
  });

  test('a server that never answers: failed "timeout"', async () => {
    const r = await receiver(() => {});
    try {
      const out = await postWebhook(r.url, message, { policy: dev, timeoutMs: 300 });
      assert.deepEqual(out.kind === 'failed' && out.error, 'timeout');
      assert.deepEqual(r.seen.bodies, [message.body]);
    } finally {
      await r.close();
    }
  });

  test('a body that stalls after the headers: the timeout covers the body read too', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).write('partial'));
    try {
      const out = await postWebhook(r.url, message, { policy: dev, timeoutMs: 300 });
      assert.deepEqual(out.kind === 'failed' && out.error, 'timeout while reading the answer (status 200)');
    } finally {
      await r.close();
    }
  });

  test('a server that resets the connection: failed', async () => {
    const r = await receiver((req) => req.socket.resetAndDestroy());
    try {
      const out = await postWebhook(r.url, message, { policy: dev });
      assert.equal(out.kind, 'failed');
      assert.ok(out.kind === 'failed' && /connection (reset|closed)/.test(out.error), JSON.stringify(out));
    } finally {
      await r.close();
    }
  });

  test('an endless body: the first bytes are kept and the connection is closed', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    let sent = 0;
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = () => {
        while (!res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    try {
      const out = await postWebhook(r.url, message, { policy: dev, maxResponseBytes: 4096, timeoutMs: 30_000 });
      assert.ok(out.kind === 'answered', JSON.stringify(out).slice(0, 200));
      assert.equal(out.body, 'x'.repeat(4096));
      assert.equal(out.truncated, true);
      // Every connection the receiver saw ends: the one that carried the answer is dropped by us.
      await waitFor(() => r.seen.sockets.length > 0 && r.seen.closed === r.seen.sockets.length, 'the receiver saw its connection closed');
      const sentWhenClosed = sent;
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(sent, sentWhenClosed, 'nothing more is written once the connection is closed');
      assert.ok(sent < 64 * 1024 * 1024, 'the receiver was stopped after a few buffers, not at the end of an endless body');
    } finally {
      await r.close();
    }
  });

  test('https to a server that does not speak TLS: failed "tls: …"', async () => {
    const r = await receiver((_req, res) => res.end('plain'));
    try {
      const out = await postWebhook(r.url.replace('http:', 'https:'), message, { policy: dev });
      assert.ok(out.kind === 'failed' && /^tls: /.test(out.error), JSON.stringify(out));
    } finally {
      await r.close();
    }
  });

  test('connection refused: failed', async () => {
    const r = await receiver(() => {});
    const url = r.url;
    await r.close();
    const out = await postWebhook(url, message, { policy: dev });
    assert.deepEqual(out.kind === 'failed' && out.error, 'connection refused');
  });

  test('with private addresses forbidden, a loopback receiver never sees a connection', async () => {
    const r = await receiver((_req, res) => res.end('should not be reached'));
    try {
      const port = new URL(r.url).port;
      for (const url of [`http://127.0.0.1:${port}/h`, `http://localhost:${port}/h`, `http://[::ffff:127.0.0.1]:${port}/h`]) {
        const out = await postWebhook(url, message, { policy: httpOnly });
        assert.ok(out.kind === 'failed' && /^forbidden address (127\.0\.0\.1|::1|::ffff:7f00:1)/.test(out.error), JSON.stringify(out));
      }
      assert.equal(r.seen.sockets.length, 0, 'no connection was opened');
      assert.deepEqual(r.seen.paths, []);
    } finally {
      await r.close();
    }
  });

  test('the agent itself refuses a forbidden literal address when it connects', async () => {
    const r = await receiver((_req, res) => res.end('should not be reached'));
    const agent = createOutboundAgent(httpOnly);
    try {
      await assert.rejects(request(`${r.url}/h`, { method: 'POST', body: 'x', dispatcher: agent }), /forbidden address 127\.0\.0\.1/);
      assert.equal(r.seen.sockets.length, 0);
    } finally {
      await agent.close();
      await r.close();
    }
  });

  test('a URL of the wrong shape fails before any connection', async () => {
    const out = await postWebhook('http://127.0.0.1:1/h', message, { policy: strict });
    assert.deepEqual(out.kind === 'failed' && out.error, 'the URL must be https://');
  });
});

describe('createGuardedLookup', () => {
  const lookupOnce = (lookup: LookupFunction, options: Parameters<LookupFunction>[1]) =>
    new Promise<unknown>((resolve, reject) => lookup('localhost', options, (err, address, family) => (err ? reject(err) : resolve(family === undefined ? address : { address, family }))));

  test('answers in the form net.connect asked for: one address, a family, or all of them', async () => {
    const lookup = createGuardedLookup(() => null);
    const all = (await lookupOnce(lookup, { all: true })) as Array<{ address: string; family: number }>;
    assert.ok(Array.isArray(all) && all.some((a) => a.address === '127.0.0.1'), JSON.stringify(all));
    assert.deepEqual(await lookupOnce(lookup, { family: 4 }), { address: '127.0.0.1', family: 4 });
    const one = (await lookupOnce(lookup, {})) as { address: string; family: number };
    assert.ok(['127.0.0.1', '::1'].includes(one.address));
  });

  test('refuses the name when any of its addresses is forbidden, whatever family was asked', async () => {
    const lookup = createGuardedLookup((ip) => (ip === '127.0.0.1' ? 'test' : null));
    await assert.rejects(lookupOnce(lookup, { family: 6 }), /forbidden address 127\.0\.0\.1/);
  });

  for (const autoSelectFamily of [true, false]) {
    test(`net.connect reaches an allowed address through it (autoSelectFamily ${autoSelectFamily})`, async () => {
      const r = await receiver(() => {});
      try {
        const port = Number(new URL(r.url).port);
        const socket = connect({ host: 'localhost', port, family: autoSelectFamily ? 0 : 4, autoSelectFamily, lookup: createGuardedLookup(() => null) });
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        assert.equal(socket.remoteAddress, '127.0.0.1');
        socket.destroy();
      } finally {
        await r.close();
      }
    });
  }
});

async function waitFor(cond: () => boolean, what: string) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
}
