import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/codes.js';
import { ApiHarness } from './http-harness.js';

/**
 * Failed logins are throttled per account and per address (each guess costs the server a full
 * scrypt), with 429 / 1003 and retryAfterMs; successes do not count, even many at once, and a
 * lock-out ends within seconds of the failures stopping. Defaults: 10 failures per account then one per 3 s; 20 per
 * address then one per 2 s. The clock is the harness's, moved by the test.
 */

let api: ApiHarness;
beforeEach(async () => {
  api = await ApiHarness.start();
  await api.user('alice');
  await api.user('bob');
});
afterEach(() => api.close());

const login = (userId: string, password: string) => api.post('/user/login', { userId, password });

describe('failed logins', () => {
  it('are refused with 429 / 1003, retryAfterMs and Retry-After once an account has had 10, before any password is checked', async () => {
    for (let i = 0; i < 10; i++) expect((await login('alice', `guess-${i}`)).code).toBe(ErrorCode.BAD_CREDENTIALS);

    const throttled = await login('alice', 'guess-10');
    const evenTheRightOne = await login('alice', 'pw-alice');

    expect([throttled.status, throttled.code]).toEqual([429, ErrorCode.RATE_LIMITED]);
    expect(throttled.retryAfterMs).toBeGreaterThan(0);
    expect(throttled.retryAfterMs).toBeLessThanOrEqual(3000);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(evenTheRightOne.code).toBe(ErrorCode.RATE_LIMITED);
    // ... and another account is not affected
    expect((await login('bob', 'pw-bob')).code).toBe(0);
  });

  it('lock an account out only for a few seconds after the failures stop', async () => {
    for (let i = 0; i < 11; i++) await login('alice', `guess-${i}`);
    expect((await login('alice', 'pw-alice')).code).toBe(ErrorCode.RATE_LIMITED);

    api.advanceClock(3000);

    expect((await login('alice', 'pw-alice')).code).toBe(0);
  });

  it('count unknown accounts too, and are limited per address across accounts', async () => {
    // 20 failures from one address, spread so no account reaches its own limit
    for (let i = 0; i < 20; i++) expect((await login(`nobody${i % 4}`, 'x')).code).toBe(ErrorCode.BAD_CREDENTIALS);

    const fromSameAddress = await login('bob', 'wrong');

    expect(fromSameAddress.code).toBe(ErrorCode.RATE_LIMITED);
    api.advanceClock(2000);
    expect((await login('bob', 'pw-bob')).code).toBe(0);
  });

  it('sent in parallel are judged as their turn comes, so a burst overshoots the limit by at most 4', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login('alice', `guess-${i}`)));

    const checked = answers.filter((a) => a.code === ErrorCode.BAD_CREDENTIALS).length;
    const throttled = answers.filter((a) => a.code === ErrorCode.RATE_LIMITED).length;
    expect(checked + throttled).toBe(40);
    expect(checked).toBeGreaterThanOrEqual(10);
    expect(checked).toBeLessThanOrEqual(14);
  });

  it('never refuse many users logging in at once from one address', async () => {
    const users = Array.from({ length: 60 }, (_, i) => `u${i}`);
    for (const u of users) expect((await api.post('/user/register', { userId: u, password: `pw-${u}` })).code).toBe(0);

    const answers = await Promise.all(users.map((u) => login(u, `pw-${u}`)));

    expect(answers.map((a) => a.code)).toEqual(users.map(() => 0));
  });

  it('do not count successful logins', async () => {
    for (let i = 0; i < 50; i++) expect((await login('alice', 'pw-alice')).code).toBe(0);
    for (let i = 0; i < 10; i++) expect((await login('alice', 'wrong')).code).toBe(ErrorCode.BAD_CREDENTIALS);
  });
});
