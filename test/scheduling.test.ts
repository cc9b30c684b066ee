import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideRetry, retryAfterMs, type RetryInput } from '../src/cxone/retry.js';
import { createThrottle, MAX_COOL_DOWN_MS } from '../src/cxone/throttle.js';
import type { StepError } from '../src/cxone/types.js';

const POLICY = { maxAttempts: 4, initialDelayMs: 2000, maxDelayMs: 12000 };

const failure = (kind: StepError['kind'], httpStatus?: number): StepError => ({
  kind,
  message: 'x',
  ...(httpStatus !== undefined ? { httpStatus } : {}),
});

const input = (error: StepError, extra: Partial<RetryInput> = {}): RetryInput => ({
  error,
  sent: true,
  idempotent: false,
  policy: POLICY,
  retries: 0,
  retryAfterMs: undefined,
  mayReauthenticate: false,
  now: 0,
  deadline: undefined,
  jitter: 0,
  ...extra,
});

describe('the retry decision (SPEC 5), as one pure function', () => {
  // [failure, sent, idempotent, retried?]: the spec's classification, row by row.
  const table: [string, StepError, boolean, boolean, boolean][] = [
    ['429', failure('rate_limited', 429), true, false, true],
    ['503', failure('http', 503), true, false, true],
    ['not sent (refused, DNS)', failure('network'), false, false, true],
    ['reset after sending, not idempotent', failure('network'), true, false, false],
    ['reset after sending, idempotent', failure('network'), true, true, true],
    ['timeout, not idempotent', failure('timeout'), true, false, false],
    ['timeout, idempotent', failure('timeout'), true, true, true],
    ['502, not idempotent', failure('http', 502), true, false, false],
    ['502, idempotent', failure('http', 502), true, true, true],
    ['504, idempotent', failure('http', 504), true, true, true],
    ['500, even idempotent', failure('http', 500), true, true, false],
    ['404', failure('http', 404), true, true, false],
    ['400', failure('http', 400), true, true, false],
    ['invalid response', failure('invalid_response', 200), true, true, false],
    ['403', failure('auth', 403), true, true, false],
  ];
  for (const [name, error, sent, idempotent, retried] of table)
    test(`${name}: ${retried ? 'retried' : 'not retried'}`, () => {
      const decision = decideRetry(input(error, { sent, idempotent }));
      assert.equal(decision.action, retried ? 'retry' : 'fail', JSON.stringify(decision));
    });

  test('a 401 gets one fresh token, then it is final', () => {
    assert.deepEqual(decideRetry(input(failure('auth', 401), { mayReauthenticate: true })), {
      action: 'reauthenticate',
    });
    assert.equal(decideRetry(input(failure('auth', 401))).action, 'fail');
  });

  test('max_attempts counts every attempt, the first included', () => {
    assert.equal(decideRetry(input(failure('http', 503), { retries: 2 })).action, 'retry');
    assert.deepEqual(decideRetry(input(failure('http', 503), { retries: 3 })), {
      action: 'fail',
      because: 'attempts_used',
    });
  });

  test('backoff: full jitter between the initial delay and the doubled cap', () => {
    const waits = (jitter: number) =>
      [0, 1, 2].map((retries) => {
        const d = decideRetry(input(failure('http', 503), { retries, jitter }));
        return d.action === 'retry' ? d.waitMs : -1;
      });
    assert.deepEqual(waits(0), [2000, 2000, 2000]);
    assert.deepEqual(waits(1), [4000, 8000, 12000]);
  });

  test('a valid Retry-After is the wait, exactly: not the backoff, not the larger of the two', () => {
    assert.deepEqual(decideRetry(input(failure('rate_limited', 429), { retryAfterMs: 500, jitter: 1 })), {
      action: 'retry',
      waitMs: 500,
      source: 'retry-after',
    });
  });

  test('no wait runs past the deadline: the step fails at once with the real cause', () => {
    const decision = decideRetry(
      input(failure('rate_limited', 429), { retryAfterMs: 3_600_000, now: 1000, deadline: 61_000 }),
    );
    assert.deepEqual(decision, { action: 'fail', because: 'deadline', waitMs: 3_600_000 });
  });
});

describe('Retry-After as RFC 9110 reads it', () => {
  const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
  const read = (value: string) =>
    retryAfterMs(
      { status: 429, statusText: '', headers: new Headers({ 'retry-after': value }), text: '', utf8: true },
      now,
    );
  const cases: [string, number | undefined][] = [
    ['0', 0],
    ['3', 3000],
    ['120', 120_000],
    ['Wed, 21 Oct 2026 07:28:30 GMT', 30_000],
    ['Wednesday, 21-Oct-26 07:28:30 GMT', 30_000],
    ['Wed Oct 21 07:28:30 2026', 30_000],
    ['Wed, 21 Oct 2026 07:00:00 GMT', 0], // a past date means now
    ['3, 3', 3000], // the header sent twice with one value
    ['Wed, 21 Oct 2026 07:28:30 GMT, Wed, 21 Oct 2026 07:28:30 GMT', 30_000],
    ['-5', undefined],
    ['+2', undefined],
    ['.5', undefined],
    ['2.', undefined],
    ['1.5', undefined],
    ['3, 4', undefined], // differing values
    ['soon', undefined],
    ['2026-10-21T07:28:30Z', undefined],
    ['', undefined],
  ];
  for (const [value, expected] of cases)
    test(`${JSON.stringify(value)} → ${expected === undefined ? 'ignored' : `${expected} ms`}`, () =>
      assert.equal(read(value), expected));
});

/** A clock that only moves when something sleeps: no real time passes in these tests. */
function fakeTime() {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return false;
      t += ms;
      return true;
    },
  };
}

describe('the rate limit and the cool-down, with an injected clock', () => {
  test('a rate limit paces: a request waits for its slot and is never failed before its deadline', async () => {
    const clock = fakeTime();
    const throttle = createThrottle({ limit: 2, windowMs: 1000 }, clock.now, clock.sleep);
    const start = clock.now();
    for (let i = 0; i < 2; i++) assert.deepEqual(await throttle.acquire({}), { ok: true });
    assert.equal(clock.now(), start, 'the first window goes at once');
    assert.deepEqual(await throttle.acquire({ deadline: start + 5000 }), { ok: true });
    assert.ok(clock.now() >= start + 1000, 'the third waited for the window');
    assert.deepEqual(await throttle.acquire({}), { ok: true }, 'the second slot of the window freed with the first');
    // A slot past the deadline: wait until the deadline has really passed, then fail.
    const late = clock.now();
    const outcome = await throttle.acquire({ deadline: late + 10 });
    assert.deepEqual(outcome, { ok: false, reason: 'rate_limit' });
    assert.equal(clock.now(), late + 10);
  });

  test('a cool-down is capped at 60 s and names what drew it; it does not outlive its wait', async () => {
    const clock = fakeTime();
    const throttle = createThrottle(undefined, clock.now, clock.sleep);
    const start = clock.now();
    throttle.coolDown(start + 3_600_000, 'da-limited (step a of chain one)');
    const held = await throttle.acquire({ deadline: start + 30_000 });
    assert.deepEqual(held, { ok: false, reason: 'cool_down', origin: 'da-limited (step a of chain one)' });
    assert.equal(clock.now(), start + 30_000, 'held until its own deadline really passed');
    assert.deepEqual(await throttle.acquire({ deadline: start + 300_000 }), { ok: true });
    assert.equal(clock.now(), start + MAX_COOL_DOWN_MS, 'released after 60 s, not an hour');
    assert.deepEqual(await throttle.acquire({}), { ok: true });
    assert.equal(clock.now(), start + MAX_COOL_DOWN_MS, 'a later request starts fresh');
  });

  test('admission holds a slot for a chain until its first request takes it, or it ends', async () => {
    const clock = fakeTime();
    const throttle = createThrottle({ limit: 2, windowMs: 1000 }, clock.now, clock.sleep);
    const start = clock.now();
    const first = await throttle.admit();
    const second = await throttle.admit();
    assert.ok(first && second);
    assert.equal(clock.now(), start, 'two slots, two chains at once');
    // Both slots are held: a third chain waits, however many workers are idle.
    const third = throttle.admit();
    // The first chain sends: its held slot becomes a real one; the second ends without sending.
    assert.deepEqual(await throttle.acquire({}), { ok: true });
    first.release();
    second.release();
    assert.ok(await third);
    assert.ok(clock.now() - start < 1000, 'the slot given back by the second chain is free at once');
    const fourth = await throttle.admit();
    assert.ok(fourth);
    assert.ok(clock.now() - start >= 1000, 'a fourth waits for the first request to leave the window');
  });
});
