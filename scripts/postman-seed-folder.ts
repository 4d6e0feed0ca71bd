/** The "Seed scenario" folder of the Postman collection: the README's seed walk-through with assertions. */
import { bearer, pause, retryUnless, scenarioRequest, script, type Json } from './postman-parts.js';

export const SEED_FOLDER = 'Seed scenario';

/** The seed scenario of the README, in order, with assertions and the tokens saved in variables. */
export function seedFolder(): Json {
  const status = (code: number, label: string) => `pm.test("${code} ${label}", function () { pm.response.to.have.status(${code}); });`;
  const noauth = { type: 'noauth' };
  return {
    name: SEED_FOLDER,
    description: 'The seed scenario in order (run the folder with the Collection Runner): sign up, log in, 10 gold from daily-login, two backdated logins, claim sign-in-three-times, ledger.',
    item: [
      scenarioRequest('Sign up', 'POST', '/api/v1/auth/signup', {
        auth: noauth,
        body: { username: '{{seedUsername}}', password: '{{seedPassword}}', timezone: 'UTC' },
        events: [
          script('prerequest', ['pm.collectionVariables.set("seedUsername", "ada_" + Date.now().toString(36));']),
          script('test', [
            status(201, 'Created'),
            'const body = pm.response.json();',
            'pm.test("a new account with empty balances", function () {',
            '  pm.expect(body.user.status).to.equal("new");',
            '  pm.expect(body.user.balances.gold).to.equal(0);',
            '});',
            'pm.collectionVariables.set("userId", body.user.id);',
          ]),
        ],
      }),
      scenarioRequest('Log in', 'POST', '/api/v1/auth/login', {
        auth: noauth,
        body: { username: '{{seedUsername}}', password: '{{seedPassword}}' },
        events: [
          script('test', [
            status(200, 'OK'),
            'const body = pm.response.json();',
            'pm.test("a bearer token pair", function () { pm.expect(body.tokenType).to.equal("Bearer"); });',
            'pm.collectionVariables.set("accessToken", body.accessToken);',
            'pm.collectionVariables.set("refreshToken", body.refreshToken);',
            'pm.collectionVariables.set("meTries", 0);',
          ]),
        ],
      }),
      scenarioRequest('Me: 10 gold from daily-login', 'GET', '/api/v1/me', {
        events: [
          pause('meTries'),
          script('test', [
            'const me = pm.response.json();',
            ...retryUnless('me.user && me.user.balances.gold >= 10', 'meTries'),
            `  ${status(200, 'OK')}`,
            '  pm.test("the first login of the day paid 10 gold", function () { pm.expect(me.user.balances.gold).to.equal(10); });',
            '}',
          ]),
        ],
      }),
      scenarioRequest('My quests: daily-login done, streak 1 of 3', 'GET', '/api/v1/me/quests', {
        events: [
          script('test', [
            status(200, 'OK'),
            'const items = pm.response.json().items;',
            'const byKey = function (k) { return items.filter(function (i) { return i.quest.key === k; })[0]; };',
            'pm.test("daily-login is completed for today", function () { pm.expect(byKey("daily-login").status).to.equal("completed"); });',
            'pm.test("sign-in-three-times is at 1 of 3", function () {',
            '  pm.expect(byKey("sign-in-three-times").progress).to.equal(1);',
            '  pm.expect(byKey("sign-in-three-times").target).to.equal(3);',
            '});',
          ]),
        ],
      }),
      scenarioRequest('Admin: log in', 'POST', '/api/v1/auth/login', {
        auth: noauth,
        body: { username: '{{adminUsername}}', password: '{{adminPassword}}' },
        events: [
          script('test', [
            status(200, 'OK'),
            'const body = pm.response.json();',
            'pm.test("an admin", function () { pm.expect(body.user.role).to.equal("admin"); });',
            'pm.collectionVariables.set("adminAccessToken", body.accessToken);',
          ]),
        ],
      }),
      scenarioRequest('Admin: logins on the two previous days', 'POST', '/api/v1/admin/events', {
        auth: bearer('adminAccessToken'),
        body: {
          events: [
            { id: '{{seedUsername}}-import-1', userId: '{{userId}}', type: 'login', occurredAt: '{{twoDaysAgo}}' },
            { id: '{{seedUsername}}-import-2', userId: '{{userId}}', type: 'login', occurredAt: '{{oneDayAgo}}' },
          ],
        },
        events: [
          script('prerequest', [
            'const day = 24 * 60 * 60 * 1000;',
            'pm.collectionVariables.set("twoDaysAgo", new Date(Date.now() - 2 * day).toISOString());',
            'pm.collectionVariables.set("oneDayAgo", new Date(Date.now() - day).toISOString());',
          ]),
          script('test', [
            status(200, 'OK'),
            'const body = pm.response.json();',
            'pm.test("both events accepted", function () {',
            '  pm.expect(body.accepted).to.equal(2);',
            '  pm.expect(body.rejected).to.have.lengthOf(0);',
            '});',
          ]),
        ],
      }),
      scenarioRequest('My quests: three days in a row', 'GET', '/api/v1/me/quests', {
        events: [
          script('test', [
            status(200, 'OK'),
            'const item = pm.response.json().items.filter(function (i) { return i.quest.key === "sign-in-three-times"; })[0];',
            'pm.test("sign-in-three-times is claimable", function () {',
            '  pm.expect(item.status).to.equal("claimable");',
            '  pm.expect(item.claimable).to.equal(1);',
            '});',
          ]),
        ],
      }),
      scenarioRequest('Claim sign-in-three-times', 'POST', '/api/v1/me/quests/sign-in-three-times/claim', {
        events: [
          script('test', [
            status(200, 'OK'),
            'pm.test("10 diamonds", function () { pm.expect(pm.response.json().rewarded.items).to.eql([{ currency: "diamond", amount: 10 }]); });',
            'pm.collectionVariables.set("ledgerTries", 0);',
          ]),
        ],
      }),
      scenarioRequest('Claim again: nothing to claim', 'POST', '/api/v1/me/quests/sign-in-three-times/claim', {
        events: [
          script('test', [
            status(409, 'Conflict'),
            'pm.test("NOTHING_TO_CLAIM", function () { pm.expect(pm.response.json().error.code).to.equal("NOTHING_TO_CLAIM"); });',
          ]),
        ],
      }),
      scenarioRequest('Ledger: 3 × 10 gold and 10 diamonds', 'GET', '/api/v1/me/ledger', {
        events: [
          pause('ledgerTries'),
          script('test', [
            'const items = pm.response.json().items || [];',
            'const diamonds = items.filter(function (e) { return e.currency === "diamond"; });',
            'const gold = items.filter(function (e) { return e.currency === "gold"; });',
            ...retryUnless('diamonds.length > 0 && gold.length >= 3', 'ledgerTries'),
            `  ${status(200, 'OK')}`,
            '  pm.test("10 diamonds from sign-in-three-times, once", function () {',
            '    pm.expect(diamonds).to.have.lengthOf(1);',
            '    pm.expect(diamonds[0].amount).to.equal(10);',
            '    pm.expect(diamonds[0].source.questKey).to.equal("sign-in-three-times");',
            '  });',
            '  pm.test("10 gold from daily-login for each of the three days", function () {',
            '    pm.expect(gold).to.have.lengthOf(3);',
            '    gold.forEach(function (e) {',
            '      pm.expect(e.amount).to.equal(10);',
            '      pm.expect(e.source.questKey).to.equal("daily-login");',
            '    });',
            '  });',
            '}',
          ]),
        ],
      }),
    ],
  };
}

