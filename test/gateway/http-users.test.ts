import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from './http-harness.js';

let api: ApiHarness;
let alice: string;

beforeAll(async () => {
  api = await ApiHarness.start();
  alice = await api.user('alice');
  await api.user('bob');
});
afterAll(() => api.close());

describe('POST /user/register', () => {
  it('creates the user with the nickname given, or the userId as nickname', async () => {
    const res = await api.post('/user/register', { userId: 'nick.ed-1', password: 'pw', nickname: 'Nicky' });
    expect(res).toMatchObject({ status: 200, code: 0, data: { userId: 'nick.ed-1' } });
    expect((await api.get('/user/profile', { userId: 'nick.ed-1' }, { token: alice })).data).toEqual({ userId: 'nick.ed-1', nickname: 'Nicky' });
    expect((await api.get('/user/profile', { userId: 'alice' }, { token: alice })).data).toEqual({ userId: 'alice', nickname: 'alice' });
  });

  it('refuses a userId that is taken with 409 / 2004, keeping the first password', async () => {
    const res = await api.post('/user/register', { userId: 'alice', password: 'other' });
    expect([res.status, res.code]).toEqual([409, 2004]);
    expect((await api.post('/user/login', { userId: 'alice', password: 'pw-alice' })).code).toBe(0);
  });

  it.each(['system', 'SYSTEM', 'System', 'sYsTeM'])('refuses the reserved userId "system" in any case (%s) with 409 / 2004', async (userId) => {
    const res = await api.post('/user/register', { userId, password: 'pw' });
    expect([res.status, res.code]).toEqual([409, 2004]);
    expect((await api.get('/user/profile', { userId }, { token: alice })).code).toBe(3009);
  });

  it.each([
    ['an invalid userId', { userId: 'no spaces', password: 'pw' }],
    ['a userId over 64 chars', { userId: 'u'.repeat(65), password: 'pw' }],
    ['an empty password', { userId: 'eve', password: '' }],
    ['a password over 256 chars', { userId: 'eve', password: 'p'.repeat(257) }],
    ['a missing password', { userId: 'eve' }],
    ['a nickname over 64 chars', { userId: 'eve', password: 'pw', nickname: 'n'.repeat(65) }],
  ])('refuses %s with 400 / 1000 and stores nothing', async (_name, body) => {
    const res = await api.post('/user/register', body);
    expect([res.status, res.code]).toEqual([400, 1000]);
    expect((await api.get('/user/profile', { userId: 'eve' }, { token: alice })).code).toBe(3009);
  });
});

describe('POST /user/login', () => {
  it('returns a token that authenticates, and its expiry', async () => {
    const before = Date.now();
    const res = await api.post('/user/login', { userId: 'bob', password: 'pw-bob' });
    expect(res).toMatchObject({ status: 200, code: 0, data: { userId: 'bob' } });
    expect(res.data.expiresAt).toBeGreaterThan(before);
    expect((await api.get('/friend/list', {}, { token: res.data.token as string })).code).toBe(0);
  });

  it('refuses a wrong password and an unknown user alike with 401 / 2003', async () => {
    const wrong = await api.post('/user/login', { userId: 'bob', password: 'nope' });
    const unknown = await api.post('/user/login', { userId: 'nobody', password: 'nope' });
    expect([wrong.status, wrong.code]).toEqual([401, 2003]);
    expect([unknown.status, unknown.code]).toEqual([401, 2003]);
    expect(unknown.msg).toBe(wrong.msg);
  });

  it('refuses a malformed body with 400 / 1000', async () => {
    expect((await api.post('/user/login', { userId: 'bob' })).code).toBe(1000);
  });
});

describe('GET /user/profile', () => {
  it('refuses an unknown user with 404 / 3009 and a missing or invalid userId with 400 / 1000', async () => {
    const missing = await api.get('/user/profile', { userId: 'ghost' }, { token: alice });
    expect([missing.status, missing.code]).toEqual([404, 3009]);
    expect((await api.get('/user/profile', {}, { token: alice })).code).toBe(1000);
    expect((await api.get('/user/profile', { userId: 'a/b' }, { token: alice })).code).toBe(1000);
  });

  it('requires a token', async () => {
    expect((await api.get('/user/profile', { userId: 'bob' })).code).toBe(2001);
  });
});

describe('POST /user/block and /user/unblock', () => {
  it('blocks and unblocks an existing user', async () => {
    expect(await api.post('/user/block', { userId: 'bob' }, { token: alice })).toMatchObject({ status: 200, code: 0 });
    expect((await api.post('/friend/add', { userId: 'bob' }, { token: alice })).code).toBe(3002);
    expect((await api.post('/user/unblock', { userId: 'bob' }, { token: alice })).code).toBe(0);
    expect((await api.post('/friend/add', { userId: 'bob' }, { token: alice })).code).toBe(0);
  });

  it.each(['/user/block', '/user/unblock'])('%s refuses an unknown user (404 / 3009) and yourself (400 / 1000)', async (path) => {
    const ghost = await api.post(path, { userId: 'ghost' }, { token: alice });
    expect([ghost.status, ghost.code]).toEqual([404, 3009]);
    const self = await api.post(path, { userId: 'alice' }, { token: alice });
    expect([self.status, self.code]).toEqual([400, 1000]);
  });
});

describe('POST /user/settings', () => {
  it('stores allowStrangers and echoes it', async () => {
    const res = await api.post('/user/settings', { allowStrangers: false }, { token: alice });
    expect(res).toMatchObject({ status: 200, code: 0, data: { allowStrangers: false } });
    expect((await api.store.getUser('alice'))?.allowStrangers).toBe(false);
  });

  it('refuses a missing allowStrangers with 400 / 1000', async () => {
    expect((await api.post('/user/settings', {}, { token: alice })).code).toBe(1000);
  });
});
