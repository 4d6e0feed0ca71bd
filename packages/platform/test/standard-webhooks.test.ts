/**
 * Our Standard Webhooks signatures against an independent implementation (the `standardwebhooks`
 * package of the specification's authors) and the specification's published test vector.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import {
  generateWebhookSecret,
  parseWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  webhookMessage,
} from '../src/standard-webhooks.js';

// The vector of the specification's reference libraries (standard-webhooks/standard-webhooks,
// libraries/javascript/src/webhook.test.ts, "sign function works").
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
const at = (seconds: number) => () => seconds * 1000;

function freshMessage(timestamp = nowSeconds()) {
  const body = webhookMessage('quest.completed', { userId: 'u-1', questKey: 'first-purchase', note: 'é ✓' }, new Date());
  return { id: 'msg_2f0c9a4e-1b7d-4d1e-9a51-1c0e6e7b3d21', timestamp, body };
}

describe('webhook secrets', () => {
  test('a generated secret is whsec_ + base64 of 32 random bytes, and parses back', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(a, b);
    assert.equal(parseWebhookSecret(a).length, 32);
    assert.deepEqual(parseWebhookSecret(a), Buffer.from(a.slice('whsec_'.length), 'base64'));
  });

  test('anything that is not whsec_ + canonical base64 of 24 to 64 bytes is refused', () => {
    const key24 = Buffer.alloc(24, 7).toString('base64');
    assert.equal(parseWebhookSecret(`whsec_${key24}`).length, 24);
    assert.equal(parseWebhookSecret(`whsec_${Buffer.alloc(64, 1).toString('base64')}`).length, 64);
    for (const bad of [
      key24, // no prefix
      'whsec_',
      `WHSEC_${key24}`,
      `whsec_${Buffer.alloc(23, 7).toString('base64')}`, // too short
      `whsec_${Buffer.alloc(65, 7).toString('base64')}`, // too long
      `whsec_${key24.slice(0, -1)}`, // truncated
      `whsec_${key24} `,
      `whsec_${Buffer.alloc(32, 250).toString('base64url')}`, // base64url alphabet
      undefined as unknown as string,
    ]) {
      assert.throws(() => parseWebhookSecret(bad), Error, String(bad));
    }
  });
});

describe('signWebhook and the independent implementation', () => {
  test('the specification test vector', () => {
    assert.equal(signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body }, [VECTOR.secret]), VECTOR.signature);
    const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };
    assert.deepEqual(verifyWebhook(headers, VECTOR.body, VECTOR.secret, { now: at(VECTOR.timestamp + 10) }), { ok: true });
  });

  test('our headers verify with standardwebhooks Webhook.verify, which returns our message', () => {
    const secret = generateWebhookSecret();
    const msg = freshMessage();
    const headers = webhookHeaders(msg, [secret]);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['webhook-id'], msg.id);
    assert.equal(headers['webhook-timestamp'], String(msg.timestamp));
    const parsed = new Webhook(secret).verify(msg.body, headers) as { type: string; data: { note: string } };
    assert.equal(parsed.type, 'quest.completed');
    assert.equal(parsed.data.note, 'é ✓', 'non-ASCII bodies are signed as UTF-8 bytes');
    // and as raw bytes, the way a receiver should hand them over
    new Webhook(secret).verify(Buffer.from(msg.body), headers);
  });

  test('their sign output verifies with ours, for the same headers', () => {
    const secret = generateWebhookSecret();
    const msg = freshMessage();
    const theirs = new Webhook(secret).sign(msg.id, new Date(msg.timestamp * 1000), msg.body);
    assert.equal(theirs, signWebhook(msg, [secret]));
    const headers = { 'webhook-id': msg.id, 'webhook-timestamp': String(msg.timestamp), 'webhook-signature': theirs };
    assert.deepEqual(verifyWebhook(headers, msg.body, secret), { ok: true });
    assert.deepEqual(verifyWebhook(headers, Buffer.from(msg.body), secret), { ok: true });
  });

  test('two secrets sign: a receiver with either one accepts, ours and theirs; a third secret is refused', () => {
    const [oldSecret, newSecret, other] = [generateWebhookSecret(), generateWebhookSecret(), generateWebhookSecret()];
    const msg = freshMessage();
    const headers = webhookHeaders(msg, [oldSecret, newSecret]);
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    for (const secret of [oldSecret, newSecret]) {
      assert.deepEqual(verifyWebhook(headers, msg.body, secret), { ok: true });
      new Webhook(secret).verify(msg.body, headers);
    }
    assert.deepEqual(verifyWebhook(headers, msg.body, other), { ok: false, reason: 'bad-signature' });
    assert.throws(() => new Webhook(other).verify(msg.body, headers));
  });

  test('a message id that could blur the signed content, a fractional timestamp or no secret is refused', () => {
    const secret = generateWebhookSecret();
    for (const id of ['', 'a.b', 'a b', 'a\nb']) assert.throws(() => signWebhook({ ...freshMessage(), id }, [secret]), id);
    assert.throws(() => signWebhook({ ...freshMessage(), timestamp: 1.5 }, [secret]));
    assert.throws(() => signWebhook(freshMessage(), []));
    assert.throws(() => signWebhook(freshMessage(), ['not-a-secret']));
  });
});

describe('verifyWebhook', () => {
  const secret = generateWebhookSecret();
  const msg = freshMessage(1_800_000_000);
  const headers = webhookHeaders(msg, [secret]);
  const now = at(msg.timestamp);

  test('a tampered body, id or timestamp is refused', () => {
    assert.deepEqual(verifyWebhook(headers, msg.body, secret, { now }), { ok: true });
    const bad = { ok: false, reason: 'bad-signature' };
    assert.deepEqual(verifyWebhook(headers, msg.body.replace('first-purchase', 'first-purchasf'), secret, { now }), bad);
    assert.deepEqual(verifyWebhook(headers, `${msg.body} `, secret, { now }), bad);
    assert.deepEqual(verifyWebhook({ ...headers, 'webhook-id': `${msg.id}x` }, msg.body, secret, { now }), bad);
    assert.deepEqual(verifyWebhook({ ...headers, 'webhook-timestamp': String(msg.timestamp + 1) }, msg.body, secret, { now }), bad);
    const [, sig] = headers['webhook-signature'].split(',');
    assert.deepEqual(verifyWebhook({ ...headers, 'webhook-signature': `v2,${sig}` }, msg.body, secret, { now }), bad, 'only v1 counts');
    assert.deepEqual(verifyWebhook({ ...headers, 'webhook-signature': 'v1,' }, msg.body, secret, { now }), bad);
    assert.deepEqual(verifyWebhook({ ...headers, 'webhook-signature': headers['webhook-signature'].slice(0, 20) }, msg.body, secret, { now }), bad);
  });

  test('any one matching signature among several is enough, wherever it stands', () => {
    const other = signWebhook(msg, [generateWebhookSecret()]);
    const mine = headers['webhook-signature'];
    for (const value of [`${other} ${mine}`, `${mine} ${other}`, `v2,abc ${other} ${mine} v1,xyz`]) {
      assert.deepEqual(verifyWebhook({ ...headers, 'webhook-signature': value }, msg.body, secret, { now }), { ok: true }, value);
    }
  });

  test('missing or malformed headers; names are matched whatever their case; a Headers object works', () => {
    const missing = { ok: false, reason: 'missing-headers' };
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _omit, ...rest } = headers;
      assert.deepEqual(verifyWebhook(rest, msg.body, secret, { now }), missing, name);
    }
    for (const ts of ['hello', '1.5', '-1', '', ' 1800000000']) {
      assert.deepEqual(verifyWebhook({ ...headers, 'webhook-timestamp': ts }, msg.body, secret, { now }), missing, ts);
    }
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    assert.deepEqual(verifyWebhook(upper, msg.body, secret, { now }), { ok: true });
    assert.deepEqual(verifyWebhook(new Headers(headers), msg.body, secret, { now }), { ok: true });
  });

  test('tolerance: exactly 300 s either way is accepted, one second more is refused', () => {
    const t = msg.timestamp;
    assert.deepEqual(verifyWebhook(headers, msg.body, secret, { now: at(t + 300) }), { ok: true });
    assert.deepEqual(verifyWebhook(headers, msg.body, secret, { now: () => (t + 300) * 1000 + 999 }), { ok: true }, 'now is whole seconds');
    assert.deepEqual(verifyWebhook(headers, msg.body, secret, { now: at(t + 301) }), { ok: false, reason: 'timestamp-too-old' });
    assert.deepEqual(verifyWebhook(headers, msg.body, secret, { now: at(t - 300) }), { ok: true });
    assert.deepEqual(verifyWebhook(headers, msg.body, secret, { now: at(t - 301) }), { ok: false, reason: 'timestamp-in-future' });
    assert.deepEqual(verifyWebhook(headers, msg.body, secret, { now: at(t + 60), toleranceSeconds: 59 }), { ok: false, reason: 'timestamp-too-old' });
    assert.deepEqual(verifyWebhook(headers, msg.body, secret, { now: at(t + 60), toleranceSeconds: 60 }), { ok: true });
  });

  test('an old timestamp is refused even with a valid signature (no replay), by us and by them', () => {
    const old = freshMessage(nowSeconds() - 301);
    const oldHeaders = webhookHeaders(old, [secret]);
    assert.deepEqual(verifyWebhook(oldHeaders, old.body, secret), { ok: false, reason: 'timestamp-too-old' });
    assert.throws(() => new Webhook(secret).verify(old.body, oldHeaders), /too old/);
  });
});

describe('webhookMessage', () => {
  test('is {type, timestamp (RFC 3339), data} serialised once', () => {
    const body = webhookMessage('reward.granted', { entry: { amount: 10 } }, new Date('2026-12-07T05:00:00.123Z'));
    assert.equal(body, '{"type":"reward.granted","timestamp":"2026-12-07T05:00:00.123Z","data":{"entry":{"amount":10}}}');
    assert.throws(() => webhookMessage('webhook.test', {}, new Date('nope')));
  });
});
