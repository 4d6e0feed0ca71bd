import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, type CircuitState } from '../src/domain/circuit-breaker.js';

function breaker(threshold = 3, cooldownMs = 1000, probeTimeoutMs = 5000) {
  const clock = { now: 0 };
  const changes: string[] = [];
  const b = new CircuitBreaker({
    failureThreshold: threshold,
    cooldownMs,
    probeTimeoutMs,
    now: () => clock.now,
    onChange: (from: CircuitState, to: CircuitState) => changes.push(`${from}->${to}`),
  });
  return { b, clock, changes };
}

describe('circuit breaker', () => {
  test('stays closed below the threshold; a success resets the count', () => {
    const { b } = breaker(3);
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    b.onFailure();
    assert.equal(b.state, 'closed');
    assert.equal(b.tryAcquire(), true);
  });

  test('opens after N consecutive failures and fails fast until the cool-down ends', () => {
    const { b, clock, changes } = breaker(3, 1000);
    for (let i = 0; i < 3; i++) b.onFailure();
    assert.equal(b.state, 'open');
    assert.deepEqual(changes, ['closed->open']);
    assert.equal(b.tryAcquire(), false);
    clock.now = 400;
    assert.equal(b.tryAcquire(), false);
    assert.equal(b.retryAfterSeconds(), 1);
  });

  test('after the cool-down exactly one probe goes through; its success closes the circuit', () => {
    const { b, clock, changes } = breaker(2, 1000);
    b.onFailure();
    b.onFailure();
    clock.now = 1000;
    assert.equal(b.tryAcquire(), true, 'the probe');
    assert.equal(b.state, 'half-open');
    assert.equal(b.tryAcquire(), false, 'no second request while the probe is out');
    b.onSuccess();
    assert.equal(b.state, 'closed');
    assert.equal(b.tryAcquire(), true);
    assert.deepEqual(changes, ['closed->open', 'open->half-open', 'half-open->closed']);
  });

  test('a failed probe opens the circuit again for a full cool-down', () => {
    const { b, clock } = breaker(1, 1000);
    b.onFailure();
    clock.now = 1000;
    assert.equal(b.tryAcquire(), true);
    b.onFailure();
    assert.equal(b.state, 'open');
    clock.now = 1999;
    assert.equal(b.tryAcquire(), false);
    clock.now = 2000;
    assert.equal(b.tryAcquire(), true);
  });

  test('a probe that never reports does not wedge the circuit half-open', () => {
    const { b, clock } = breaker(1, 1000, 3000);
    b.onFailure();
    clock.now = 1000;
    assert.equal(b.tryAcquire(), true);
    clock.now = 3999;
    assert.equal(b.tryAcquire(), false);
    clock.now = 4000;
    assert.equal(b.tryAcquire(), true, 'a new probe after the probe timeout');
  });

  test('late failures of requests sent before the circuit opened do not extend the cool-down', () => {
    const { b, clock } = breaker(1, 1000);
    b.onFailure();
    clock.now = 900;
    b.onFailure();
    clock.now = 1000;
    assert.equal(b.tryAcquire(), true);
  });
});
