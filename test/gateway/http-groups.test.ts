import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from './http-harness.js';

let api: ApiHarness;
const t: Record<string, string> = {};

beforeAll(async () => {
  api = await ApiHarness.start();
  for (const u of ['own', 'adm', 'adm2', 'mem', 'out', 'new']) t[u] = await api.user(u);
});
afterAll(() => api.close());

const as = (u: string) => ({ token: t[u] ?? '' });
const create = (u: string, body: object) => api.post('/group/create', body, as(u));
const members = async (groupId: string) =>
  ((await api.get('/group/members', { groupId }, as('own'))).data.members as { userId: string; role: string; muted: boolean }[])
    .map((m) => `${m.userId}:${m.role}${m.muted ? ':muted' : ''}`)
    .sort();

/** A GROUP owned by `own` with `adm` and `adm2` as admins and `mem` as a member. */
async function team(groupId: string): Promise<void> {
  expect((await create('own', { groupId, type: 2, name: 'Team', members: ['adm', 'adm2', 'mem'] })).code).toBe(0);
  for (const userId of ['adm', 'adm2']) await api.post('/group/set-role', { groupId, userId, role: 'admin' }, as('own'));
}

describe('POST /group/create', () => {
  it('creates a group with the creator as owner and returns its convId', async () => {
    const res = await create('own', { groupId: 'g-one', type: 2, name: 'One', members: ['mem', 'mem', 'own'] });
    expect(res).toMatchObject({ status: 200, code: 0, data: { groupId: 'g-one', convId: 'group:g-one' } });
    expect(await members('g-one')).toEqual(['mem:member', 'own:owner']);
  });

  it.each([
    [3, 'chatroom'],
    [4, 'channel'],
    [5, 'mgroup'],
    [7, 'custom'],
  ])('derives the convId of type %i from its prefix %s', async (type, prefix) => {
    const res = await create('own', { groupId: `g-type-${type}`, type, name: 'Typed' });
    expect(res.data.convId).toBe(`${prefix}:g-type-${type}`);
  });

  it('treats an empty members list like none: the owner alone', async () => {
    const res = await create('own', { groupId: 'g-alone', type: 7, name: 'Alone', members: [], policy: 'open' });
    expect(res.code).toBe(0);
    expect(await members('g-alone')).toEqual(['own:owner']);
  });

  it('generates a groupId when none is given', async () => {
    const res = await create('own', { type: 3, name: 'Lobby' });
    expect(res.code).toBe(0);
    expect(res.data.groupId).toMatch(/^g[0-9a-z]{12}$/);
    expect(res.data.convId).toBe(`chatroom:${res.data.groupId as string}`);
  });

  it("gives a CUSTOM conversation policy 'members' by default and keeps the one given", async () => {
    await create('own', { groupId: 'c-default', type: 7, name: 'C' });
    await create('own', { groupId: 'c-owner', type: 7, name: 'C', policy: 'owner' });
    expect((await api.get('/group/info', { groupId: 'c-default' }, as('out'))).data.policy).toBe('members');
    expect((await api.get('/group/info', { groupId: 'c-owner' }, as('out'))).data.policy).toBe('owner');
  });

  it('refuses a groupId that exists with 409 / 3012', async () => {
    await create('own', { groupId: 'g-dup', type: 2, name: 'Dup' });
    const res = await create('mem', { groupId: 'g-dup', type: 3, name: 'Again' });
    expect([res.status, res.code]).toEqual([409, 3012]);
    expect((await api.get('/group/info', { groupId: 'g-dup' }, as('mem'))).data).toMatchObject({ owner: 'own', type: 2 });
  });

  it('refuses a missing member with 404 / 3009 and creates nothing', async () => {
    const res = await create('own', { groupId: 'g-ghost', type: 2, name: 'G', members: ['mem', 'ghost'] });
    expect([res.status, res.code]).toEqual([404, 3009]);
    expect((await api.get('/group/info', { groupId: 'g-ghost' }, as('own'))).code).toBe(3008);
  });

  it.each([
    ['type 1', { type: 1, name: 'x' }],
    ['type 6', { type: 6, name: 'x' }],
    ['a missing type', { name: 'x' }],
    ['an empty name', { type: 2, name: '' }],
    ['a name over 128 chars', { type: 2, name: 'n'.repeat(129) }],
    ['an invalid groupId', { groupId: 'a:b', type: 2, name: 'x' }],
    ['an invalid member id', { type: 2, name: 'x', members: ['ok', 'not ok'] }],
    ['a policy on a GROUP', { type: 2, name: 'x', policy: 'open' }],
    ['an unknown policy', { type: 7, name: 'x', policy: 'anyone' }],
  ])('refuses %s with 400 / 1000', async (_name, body) => {
    const res = await create('own', { groupId: 'g-bad', ...body });
    expect([res.status, res.code]).toEqual([400, 1000]);
    expect((await api.get('/group/info', { groupId: 'g-bad' }, as('own'))).code).toBe(3008);
  });
});

describe('GET /group/info', () => {
  it('shows any logged-in user the group, policy only for CUSTOM', async () => {
    await create('own', { groupId: 'g-info', type: 2, name: 'Info', members: ['mem'] });
    const res = await api.get('/group/info', { groupId: 'g-info' }, as('out'));
    expect(res.data).toEqual({ groupId: 'g-info', convId: 'group:g-info', type: 2, name: 'Info', owner: 'own', memberCount: 2 });
  });

  it('refuses an unknown group with 404 / 3008 and a missing groupId with 400 / 1000', async () => {
    const res = await api.get('/group/info', { groupId: 'nope' }, as('out'));
    expect([res.status, res.code]).toEqual([404, 3008]);
    expect((await api.get('/group/info', {}, as('out'))).code).toBe(1000);
  });
});

describe('POST /group/join', () => {
  it.each([
    ['a CHATROOM', { type: 3 }],
    ['a CHANNEL', { type: 4 }],
    ['an open CUSTOM conversation', { type: 7, policy: 'open' }],
  ])('lets anyone join %s, idempotently', async (_name, kind) => {
    const groupId = `open-${kind.type}`;
    await create('own', { groupId, name: 'Open', ...kind });
    expect((await api.post('/group/join', { groupId }, as('out'))).code).toBe(0);
    expect((await api.post('/group/join', { groupId }, as('out'))).code).toBe(0);
    expect(await members(groupId)).toEqual(['out:member', 'own:owner']);
  });

  it.each([
    ['a GROUP', 'closed-group', { type: 2 }],
    ['a MILLION_GROUP', 'closed-mgroup', { type: 5 }],
    ['a members-only CUSTOM conversation', 'closed-custom', { type: 7 }],
    ['an owner-policy CUSTOM conversation', 'closed-owner', { type: 7, policy: 'owner' }],
  ])('refuses to let anyone join %s with 403 / 2005', async (_name, groupId, kind) => {
    await create('own', { groupId, name: 'Closed', ...kind });
    const res = await api.post('/group/join', { groupId }, as('out'));
    expect([res.status, res.code]).toEqual([403, 2005]);
    expect(await members(groupId)).toEqual(['own:owner']);
  });

  it('refuses an unknown group with 404 / 3008', async () => {
    expect((await api.post('/group/join', { groupId: 'nope' }, as('out'))).code).toBe(3008);
  });
});

describe('POST /group/leave', () => {
  it('removes a member', async () => {
    await create('own', { groupId: 'g-leave', type: 2, name: 'L', members: ['mem'] });
    expect((await api.post('/group/leave', { groupId: 'g-leave' }, as('mem'))).code).toBe(0);
    expect(await members('g-leave')).toEqual(['own:owner']);
  });

  it('refuses the owner with 403 / 2005, a non-member with 403 / 3003, an unknown group with 404 / 3008', async () => {
    await create('own', { groupId: 'g-stay', type: 2, name: 'S' });
    const owner = await api.post('/group/leave', { groupId: 'g-stay' }, as('own'));
    expect([owner.status, owner.code]).toEqual([403, 2005]);
    const outsider = await api.post('/group/leave', { groupId: 'g-stay' }, as('out'));
    expect([outsider.status, outsider.code]).toEqual([403, 3003]);
    expect((await api.post('/group/leave', { groupId: 'nope' }, as('mem'))).code).toBe(3008);
    expect(await members('g-stay')).toEqual(['own:owner']);
  });
});

describe('GET /group/members', () => {
  it('lists members with role and muted flag for a member', async () => {
    await team('g-list');
    const res = await api.get('/group/members', { groupId: 'g-list' }, as('mem'));
    expect(res.code).toBe(0);
    expect(res.data.members).toContainEqual({ userId: 'mem', role: 'member', muted: false });
    expect(res.data.members).toContainEqual({ userId: 'own', role: 'owner', muted: false });
  });

  it('refuses a non-member with 403 / 3003 and an unknown group with 404 / 3008', async () => {
    await create('own', { groupId: 'g-private', type: 2, name: 'P' });
    const res = await api.get('/group/members', { groupId: 'g-private' }, as('out'));
    expect([res.status, res.code]).toEqual([403, 3003]);
    expect((await api.get('/group/members', { groupId: 'nope' }, as('out'))).code).toBe(3008);
  });
});
