/**
 * The "Your backend sends events" folder of the Postman collection: the README's second
 * walk-through (api.md v1.1), in order, with assertions: an API key, a quest the product's own
 * events complete, a user under the product's id, a minted session, a server event that pays, a
 * debit, and the key revoked.
 */
import { bearer, pause, retryUnless, scenarioRequest, script, type Json } from './postman-parts.js';

export const BACKEND_FOLDER = 'Your backend sends events';

/** The seeded "10 gold" reward (fixed ids: every installation agrees). */
const GOLD_REWARD = '5e0d0000-0000-4000-8000-000000000001';

export function backendFolder(): Json {
  const status = (code: number, label: string) => `pm.test("${code} ${label}", function () { pm.response.to.have.status(${code}); });`;
  const noauth = { type: 'noauth' };
  const key = bearer('apiKey');
  return {
    name: BACKEND_FOLDER,
    description:
      "A product's backend plugs in with an API key (run the folder with the Collection Runner): it creates a quest its own `purchase` events complete, a user under its own id, a session for that player, reports the purchase (paid once, whatever retries), spends some of the gold, and the admin revokes the key.",
    item: [
      scenarioRequest('Admin: log in', 'POST', '/api/v1/auth/login', {
        auth: noauth,
        body: { username: '{{adminUsername}}', password: '{{adminPassword}}' },
        events: [
          script('prerequest', [
            'const stamp = Date.now().toString(36);',
            'pm.collectionVariables.set("externalId", "shop-" + stamp);',
            'pm.collectionVariables.set("purchaseQuest", "first-purchase-" + stamp);',
            'pm.collectionVariables.set("orderId", "order-" + stamp);',
          ]),
          script('test', [status(200, 'OK'), 'pm.collectionVariables.set("adminAccessToken", pm.response.json().accessToken);']),
        ],
      }),
      scenarioRequest('Admin: create an API key for the backend', 'POST', '/api/v1/admin/api-keys', {
        auth: bearer('adminAccessToken'),
        body: { name: 'shop backend', scopes: ['events:write', 'users:write', 'users:read', 'catalog:write'] },
        events: [
          script('test', [
            status(201, 'Created'),
            'const body = pm.response.json();',
            'pm.test("the secret, shown once", function () { pm.expect(body.secret.indexOf("qlk_" + body.apiKey.prefix + "_")).to.equal(0); });',
            'pm.collectionVariables.set("apiKey", body.secret);',
            'pm.collectionVariables.set("apiKeyId", body.apiKey.id);',
          ]),
        ],
      }),
      scenarioRequest('Backend: a quest its purchases complete', 'POST', '/api/v1/admin/quests', {
        auth: key,
        body: { key: '{{purchaseQuest}}', name: 'First purchase', objective: { event: 'purchase', mode: 'count', target: 1 }, rewardId: GOLD_REWARD, autoClaim: true, maxCompletions: 1 },
        events: [script('test', [status(201, 'Created')])],
      }),
      scenarioRequest('Backend: publish it', 'POST', '/api/v1/admin/quests/{{purchaseQuest}}/publish', {
        auth: key,
        events: [script('test', [status(200, 'OK'), 'pm.test("published", function () { pm.expect(pm.response.json().quest.status).to.equal("published"); });'])],
      }),
      scenarioRequest('Backend: its user, under its own id', 'PUT', '/api/v1/users/external/{{externalId}}', {
        auth: key,
        body: { timezone: 'Europe/Paris' },
        events: [
          script('test', [
            status(201, 'Created'),
            'const user = pm.response.json().user;',
            'pm.test("created with the product\'s id", function () { pm.expect(user.externalId).to.equal(pm.collectionVariables.get("externalId")); });',
            'pm.collectionVariables.set("playerId", user.id);',
          ]),
        ],
      }),
      scenarioRequest('Backend: a session for that player', 'POST', '/api/v1/users/{{playerId}}/sessions', {
        auth: key,
        body: { ttlSeconds: 3600 },
        events: [
          script('test', [
            status(201, 'Created'),
            'const body = pm.response.json();',
            'pm.test("a player access token for an hour", function () { pm.expect(body.expiresIn).to.equal(3600); });',
            'pm.collectionVariables.set("playerSession", body.accessToken);',
            'pm.collectionVariables.set("questTries", 0);',
          ]),
        ],
      }),
      scenarioRequest('Player: the quest is there', 'GET', '/api/v1/me/quests', {
        auth: bearer('playerSession'),
        events: [
          pause('questTries'),
          script('test', [
            'const items = pm.response.json().items || [];',
            'const quest = items.filter(function (i) { return i.quest.key === pm.collectionVariables.get("purchaseQuest"); })[0];',
            // Progress picks up a newly published quest within its catalog poll (2 s): ask again.
            ...retryUnless('quest', 'questTries'),
            `  ${status(200, 'OK')}`,
            '  pm.test("first-purchase is active, 0 of 1", function () { pm.expect(quest.status).to.equal("active"); pm.expect(quest.target).to.equal(1); });',
            '}',
          ]),
        ],
      }),
      scenarioRequest('Backend: the purchase (a server event)', 'POST', '/api/v1/events', {
        auth: key,
        body: { externalUserId: '{{externalId}}', type: 'purchase', attributes: { sku: 'starter-pack' } },
        // A retry of this call with the same key is a duplicate: the purchase never pays twice.
        headers: { 'Idempotency-Key': '{{orderId}}' },
        events: [
          script('test', [
            status(200, 'OK'),
            'const body = pm.response.json();',
            'pm.test("completed and paid 10 gold", function () {',
            '  pm.expect(body.completed).to.eql([pm.collectionVariables.get("purchaseQuest")]);',
            '  pm.expect(body.rewarded[0].items).to.eql([{ currency: "gold", amount: 10 }]);',
            '});',
            'pm.collectionVariables.set("meTries", 0);',
          ]),
        ],
      }),
      scenarioRequest('Player: 10 gold', 'GET', '/api/v1/me', {
        auth: bearer('playerSession'),
        events: [
          pause('meTries'),
          script('test', [
            'const me = pm.response.json();',
            ...retryUnless('me.user && me.user.balances.gold >= 10', 'meTries'),
            `  ${status(200, 'OK')}`,
            '  pm.test("the purchase paid 10 gold", function () { pm.expect(me.user.balances.gold).to.equal(10); });',
            '}',
          ]),
        ],
      }),
      scenarioRequest('Backend: spend 4 gold', 'POST', '/api/v1/users/{{playerId}}/debits', {
        auth: key,
        body: { currency: 'gold', amount: 4, reason: 'sword', idempotencyKey: '{{orderId}}-sword' },
        events: [
          script('test', [
            status(201, 'Created'),
            'pm.test("a negative ledger entry", function () { pm.expect(pm.response.json().entry.amount).to.equal(-4); });',
          ]),
        ],
      }),
      scenarioRequest('Backend: spend more than is left', 'POST', '/api/v1/users/{{playerId}}/debits', {
        auth: key,
        body: { currency: 'gold', amount: 7, reason: 'shield', idempotencyKey: '{{orderId}}-shield' },
        events: [
          script('test', [
            status(409, 'Conflict'),
            'pm.test("INSUFFICIENT_FUNDS", function () { pm.expect(pm.response.json().error.code).to.equal("INSUFFICIENT_FUNDS"); });',
          ]),
        ],
      }),
      scenarioRequest('Admin: revoke the key', 'DELETE', '/api/v1/admin/api-keys/{{apiKeyId}}', {
        auth: bearer('adminAccessToken'),
        events: [script('test', [status(204, 'No Content')])],
      }),
    ],
  };
}
