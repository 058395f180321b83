import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ApiHarness } from './http-harness.js';

let api: ApiHarness;
let ann: string;
let ben: string;

beforeAll(async () => {
  api = await ApiHarness.start();
  ann = await api.user('ann');
  ben = await api.user('ben');
});
afterAll(() => api.close());

const admin = { token: ADMIN_TOKEN };

describe('POST /system/send', () => {
  it('stores a SYSTEM message for the user and returns its stamp', async () => {
    const res = await api.post('/system/send', { to: 'ann', msgType: 100, content: { text: 'welcome' } }, admin);
    expect(res).toMatchObject({ status: 200, code: 0, data: { convId: 'system:ann', seq: 1, pts: 1 } });
    expect(res.data.msgId).toMatch(/^[1-9][0-9]*$/);
    const inbox = await api.store.readInbox('ann', 0, 10);
    expect(inbox.entries.map((e) => e.message.content)).toEqual([{ text: 'welcome' }]);
  });

  it('defaults msgType to SYSTEM (100)', async () => {
    await api.post('/system/send', { to: 'ben', content: { text: 'hi' } }, admin);
    const [entry] = (await api.store.readInbox('ben', 0, 10)).entries;
    expect(entry?.message.msgType).toBe(100);
  });

  it('refuses a user token with 403 / 2005, a missing token with 401 / 2001, a wrong one with 401 / 2001', async () => {
    const body = { to: 'ben', content: { text: 'x' } };
    const user = await api.post('/system/send', body, { token: ann });
    expect([user.status, user.code]).toEqual([403, 2005]);
    const missing = await api.post('/system/send', body);
    expect([missing.status, missing.code]).toEqual([401, 2001]);
    const wrong = await api.post('/system/send', body, { token: `${ADMIN_TOKEN}x` });
    expect([wrong.status, wrong.code]).toEqual([401, 2001]);
    expect((await api.store.readInbox('ben', 0, 10)).entries).toHaveLength(1);
  });

  it.each([
    ['an invalid to', { to: 'a b', content: {} }],
    ['a missing content', { to: 'ann' }],
    ['a content that is not an object', { to: 'ann', content: 'hello' }],
    ['an array content', { to: 'ann', content: [1] }],
    ['an unknown msgType', { to: 'ann', msgType: 999, content: {} }],
  ])('refuses %s with 400 / 1000', async (_name, body) => {
    const res = await api.post('/system/send', body, admin);
    expect([res.status, res.code]).toEqual([400, 1000]);
  });

  it.each([
    ['SYSTEM without text', { to: 'ann', content: {} }],
    ['TEXT without text', { to: 'ann', msgType: 1, content: { body: 'x' } }],
    ['IMAGE without url', { to: 'ann', msgType: 2, content: { width: 1 } }],
  ])('refuses content that does not fit its msgType (%s) with 400 / 1000', async (_, body) => {
    const res = await api.post('/system/send', body, admin);
    expect([res.status, res.code]).toEqual([400, 1000]);
  });

  it('refuses content over the content limit with 413 / 1002', async () => {
    const res = await api.post('/system/send', { to: 'ann', content: { text: 'x'.repeat(70_000) } }, admin);
    expect([res.status, res.code]).toEqual([413, 1002]);
  });

  it('passes on the refusal of systemSend: an unknown user is 404 / 3009', async () => {
    const res = await api.post('/system/send', { to: 'ghost', content: { text: 'x' } }, admin);
    expect([res.status, res.code]).toEqual([404, 3009]);
  });
});

describe('GET /conversation/list', () => {
  it("lists the caller's conversations", async () => {
    const res = await api.get('/conversation/list', {}, { token: ben });
    expect(res.code).toBe(0);
    expect(res.data.conversations).toEqual([
      expect.objectContaining({ convId: 'system:ben', convType: 6, maxSeq: 1 }),
    ]);
  });

  it('is empty for a new user and requires a token', async () => {
    const carol = await api.user('carol');
    expect((await api.get('/conversation/list', {}, { token: carol })).data).toEqual({ conversations: [] });
    expect((await api.get('/conversation/list')).code).toBe(2001);
  });
});

describe('POST /system/users', () => {
  it('makes 1,000 users in one call, each with a token that the API accepts', async () => {
    const users = Array.from({ length: 1000 }, (_, i) => ({ userId: `load-${i}`, ...(i === 0 ? { nickname: 'First' } : {}) }));
    const res = await api.post('/system/users', { users }, admin);
    expect([res.status, res.code]).toEqual([200, 0]);
    const made = res.data.users as { userId: string; token: string; expiresAt: number }[];
    expect(made.map((u) => u.userId)).toEqual(users.map((u) => u.userId));
    expect(made.every((u) => typeof u.token === 'string' && u.expiresAt > Date.now())).toBe(true);
    const profile = await api.get('/user/profile', { userId: 'load-0' }, { token: made[999]!.token });
    expect(profile.data).toEqual({ userId: 'load-0', nickname: 'First' });
    expect((await api.get('/user/profile', { userId: 'load-1' }, { token: made[0]!.token })).data.nickname).toBe('load-1');
  });

  it('gives them no password: a password login is BAD_CREDENTIALS, as a wrong one is', async () => {
    await api.post('/system/users', { users: [{ userId: 'nopass' }] }, admin);
    for (const password of ['none', '', 'x']) {
      const res = await api.post('/user/login', { userId: 'nopass', password: password || 'y' });
      expect([res.status, res.code]).toEqual([401, 2003]);
    }
  });

  it('makes none of them when one userId is taken, reserved or repeated (USER_EXISTS naming it)', async () => {
    for (const [users, named] of [
      [[{ userId: 'fresh-1' }, { userId: 'ann' }], 'ann'],
      [[{ userId: 'fresh-1' }, { userId: 'System' }], 'System'],
      [[{ userId: 'fresh-1' }, { userId: 'fresh-1' }], 'fresh-1'],
    ] as const) {
      const res = await api.post('/system/users', { users }, admin);
      expect([res.status, res.code, res.msg]).toEqual([409, 2004, expect.stringContaining(named)]);
    }
    expect(await api.store.existingUsers(['fresh-1'])).toEqual(new Set());
  });

  it('refuses a user token (403 / 2005), no token (401 / 2001), and an empty, oversized or malformed list (400 / 1000)', async () => {
    const one = { users: [{ userId: 'nobody-made' }] };
    expect((await api.post('/system/users', one, { token: ann })).code).toBe(2005);
    expect((await api.post('/system/users', one)).code).toBe(2001);
    for (const body of [{ users: [] }, { users: Array.from({ length: 1001 }, (_, i) => ({ userId: `x${i}` })) }, { users: [{ userId: 'a b' }] }, {}]) {
      const res = await api.post('/system/users', body, admin);
      expect([res.status, res.code]).toEqual([400, 1000]);
    }
    expect(await api.store.existingUsers(['nobody-made', 'x0'])).toEqual(new Set());
  });
});
