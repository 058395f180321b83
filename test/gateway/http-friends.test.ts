import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from './http-harness.js';

let api: ApiHarness;
const t: Record<string, string> = {};

beforeAll(async () => {
  api = await ApiHarness.start();
  for (const u of ['ann', 'ben', 'cat', 'dan']) t[u] = await api.user(u);
});
afterAll(() => api.close());

const as = (u: string) => ({ token: t[u] ?? '' });

describe('POST /friend/add, /friend/remove, GET /friend/list', () => {
  it('is pending after one side adds, friends after both', async () => {
    expect((await api.post('/friend/add', { userId: 'ben' }, as('ann'))).data).toEqual({ status: 'pending' });
    expect((await api.get('/friend/list', {}, as('ann'))).data).toEqual({ friends: [], pendingIn: [], pendingOut: ['ben'] });
    expect((await api.get('/friend/list', {}, as('ben'))).data).toEqual({ friends: [], pendingIn: ['ann'], pendingOut: [] });
    expect((await api.post('/friend/add', { userId: 'ann' }, as('ben'))).data).toEqual({ status: 'friends' });
    expect((await api.get('/friend/list', {}, as('ann'))).data).toEqual({ friends: ['ben'], pendingIn: [], pendingOut: [] });
  });

  it('removes the friendship for both sides', async () => {
    expect((await api.post('/friend/remove', { userId: 'ben' }, as('ann'))).code).toBe(0);
    expect((await api.get('/friend/list', {}, as('ben'))).data).toEqual({ friends: [], pendingIn: [], pendingOut: [] });
  });

  it.each(['/friend/add', '/friend/remove'])('%s refuses yourself (400 / 1000), an unknown user (404 / 3009), a bad id (400 / 1000)', async (path) => {
    const self = await api.post(path, { userId: 'ann' }, as('ann'));
    expect([self.status, self.code]).toEqual([400, 1000]);
    const ghost = await api.post(path, { userId: 'ghost' }, as('ann'));
    expect([ghost.status, ghost.code]).toEqual([404, 3009]);
    expect((await api.post(path, { userId: '' }, as('ann'))).code).toBe(1000);
  });

  it('refuses with 403 / 3002 when either side blocks the other, recording nothing', async () => {
    await api.post('/user/block', { userId: 'cat' }, as('dan'));
    const blocked = await api.post('/friend/add', { userId: 'dan' }, as('cat'));
    expect([blocked.status, blocked.code]).toEqual([403, 3002]);
    const blocker = await api.post('/friend/add', { userId: 'cat' }, as('dan'));
    expect([blocker.status, blocker.code]).toEqual([403, 3002]);
    expect((await api.get('/friend/list', {}, as('dan'))).data).toEqual({ friends: [], pendingIn: [], pendingOut: [] });
  });

  it('requires a token', async () => {
    expect((await api.get('/friend/list')).status).toBe(401);
    expect((await api.post('/friend/add', { userId: 'ben' })).code).toBe(2001);
  });
});
