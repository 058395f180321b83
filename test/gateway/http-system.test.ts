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
