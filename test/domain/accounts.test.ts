import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/codes.js';
import { codeOf, useDomain } from './domain-fixture.js';

const fixture = useDomain({ logins: { perAccount: { burst: 3, perSecond: 0.001 }, perAddress: { burst: 100, perSecond: 1 } } });

describe('accounts', () => {
  it('registers, refuses a taken userId and `system` in any case (2004), and logs in', async () => {
    const f = await fixture();
    expect(await f.domain.accounts.register({ userId: 'alice', password: 'pw' })).toEqual({ userId: 'alice' });
    expect(await codeOf(f.domain.accounts.register({ userId: 'alice', password: 'pw' }))).toBe(ErrorCode.USER_EXISTS);
    for (const userId of ['system', 'SYSTEM', 'System']) {
      expect(await codeOf(f.domain.accounts.register({ userId, password: 'pw' }))).toBe(ErrorCode.USER_EXISTS);
    }
    expect(await f.domain.accounts.profile('alice')).toEqual({ userId: 'alice', nickname: 'alice' });
    const login = await f.domain.accounts.login('alice', 'pw', '127.0.0.1');
    expect(login).toEqual({ userId: 'alice', token: expect.any(String), expiresAt: expect.any(Number) });
  });

  it('refuses a wrong password or unknown user alike (2003), and throttles failures per account (1003)', async () => {
    const f = await fixture();
    await f.domain.accounts.register({ userId: 'alice', password: 'pw' });
    expect(await codeOf(f.domain.accounts.login('zed', 'pw', 'a1'))).toBe(ErrorCode.BAD_CREDENTIALS);
    for (let i = 0; i < 3; i++) expect(await codeOf(f.domain.accounts.login('alice', 'wrong', 'a1'))).toBe(ErrorCode.BAD_CREDENTIALS);
    expect(await codeOf(f.domain.accounts.login('alice', 'pw', 'a2'))).toBe(ErrorCode.RATE_LIMITED);
  });

  it('logout revokes that token and publishes tokens-revoked with its hash; a password change revokes all of them', async () => {
    const f = await fixture();
    await f.domain.accounts.register({ userId: 'alice', password: 'pw' });
    const { tokens } = f;
    const firstToken = (await f.domain.accounts.login('alice', 'pw', 'a')).token;
    const first = await tokens.verify(firstToken);
    await f.domain.accounts.logout(first);
    expect(f.events).toEqual([{ kind: 'tokens-revoked', userId: 'alice', tokenHash: first.tokenHash }]);
    expect(await codeOf(tokens.verify(firstToken))).toBe(ErrorCode.TOKEN_INVALID);

    const second = (await f.domain.accounts.login('alice', 'pw', 'a')).token;
    expect(await codeOf(f.domain.accounts.changePassword('alice', 'wrong', 'pw2', 'a'))).toBe(ErrorCode.BAD_CREDENTIALS);
    const fresh = await f.domain.accounts.changePassword('alice', 'pw', 'pw2', 'a');
    expect(f.events.at(-1)).toEqual({ kind: 'tokens-revoked', userId: 'alice' });
    expect(await codeOf(tokens.verify(second))).toBe(ErrorCode.TOKEN_INVALID);
    expect((await tokens.verify(fresh.token)).userId).toBe('alice');
    expect(await codeOf(f.domain.accounts.login('alice', 'pw', 'a'))).toBe(ErrorCode.BAD_CREDENTIALS);
  });

  it('profile of an unknown user is 3009; settings store allowStrangers', async () => {
    const f = await fixture();
    await f.users('alice');
    expect(await codeOf(f.domain.accounts.profile('zed'))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(await f.domain.accounts.settings('alice', false)).toEqual({ allowStrangers: false });
    expect((await f.store.getUser('alice'))?.allowStrangers).toBe(false);
  });
});
