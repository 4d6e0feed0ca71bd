import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineTail, portInUseFrom, redactUrls, startupCause } from '../src/startup-cause.js';

const UNCAUGHT = `/app/node_modules/pg-pool/index.js:45
    Error.captureStackTrace(err)
          ^

Error: connect ECONNREFUSED 127.0.0.1:5432
    at /app/node_modules/pg-pool/index.js:45:11
    at async runMigrations (file:///app/services/catalog/dist/server.mjs:10:3) {
  errno: -111,
  code: 'ECONNREFUSED',
  syscall: 'connect'
}

Node.js v20.20.2
`;

function tail(text: string): string[] {
  const t = new LineTail();
  t.push(text);
  return t.all();
}

test("an uncaught error's dump is boiled down to its message", () => {
  assert.deepEqual(startupCause(tail(UNCAUGHT), []), ['Error: connect ECONNREFUSED 127.0.0.1:5432']);
});

test("a service's own one-line cause is kept as it is, with a password in a URL redacted", () => {
  const said = 'catalog: cannot connect to postgres://quest:s3cret@db:5432/catalog: ECONNREFUSED\n';
  assert.deepEqual(startupCause(tail(said), []), ['catalog: cannot connect to postgres://quest:***@db:5432/catalog: ECONNREFUSED']);
});

test('without stderr, the errors the service logged say why; a listen error names its port', () => {
  const logged = [
    JSON.stringify({ level: 30, msg: 'migrations applied' }),
    JSON.stringify({ level: 50, msg: 'failed to start', err: { message: 'listen EADDRINUSE: address already in use 127.0.0.1:8080', code: 'EADDRINUSE' } }),
  ];
  const cause = startupCause([], logged);
  assert.deepEqual(cause, ['failed to start: listen EADDRINUSE: address already in use 127.0.0.1:8080']);
  assert.equal(portInUseFrom(cause), 8080);
  assert.deepEqual(startupCause([], [JSON.stringify({ level: 30, msg: 'listening' })]), []);
});

test('lines arrive in chunks that split them anywhere', () => {
  const t = new LineTail(2);
  for (const chunk of ['one\ntw', 'o\nthr', 'ee\nfo', 'ur']) t.push(chunk);
  assert.deepEqual(t.all(), ['two', 'three', 'four']);
  assert.equal(redactUrls('a postgresql://u:p%40ss@h/d and http://x/y'), 'a postgresql://u:***@h/d and http://x/y');
});

test("Node's warnings on stderr are no cause: the logged error is", () => {
  const warning = ['(node:42) ExperimentalWarning: something is experimental', '(Use `node --trace-warnings ...` to show where the warning was created)'];
  const logged = [JSON.stringify({ level: 60, msg: 'failed to start', err: { message: 'boom' } })];
  assert.deepEqual(startupCause(warning, logged), ['failed to start: boom']);
});
