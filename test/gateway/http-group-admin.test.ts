import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHarness } from './http-harness.js';

let api: ApiHarness;
const t: Record<string, string> = {};

beforeAll(async () => {
  api = await ApiHarness.start();
  for (const u of ['own', 'adm', 'adm2', 'mem', 'mem2', 'out', 'new']) t[u] = await api.user(u);
});
afterAll(() => api.close());

const as = (u: string) => ({ token: t[u] ?? '' });
const post = (u: string, path: string, body: object) => api.post(path, body, as(u));
const roster = async (groupId: string) =>
  ((await api.get('/group/members', { groupId }, as('own'))).data.members as { userId: string; role: string; muted: boolean }[])
    .map((m) => `${m.userId}:${m.role}${m.muted ? ':muted' : ''}`)
    .sort();

/** A GROUP owned by `own`, admins `adm` and `adm2`, members `mem` and `mem2`. */
async function team(groupId: string): Promise<void> {
  expect((await post('own', '/group/create', { groupId, type: 2, name: 'Team', members: ['adm', 'adm2', 'mem', 'mem2'] })).code).toBe(0);
  for (const userId of ['adm', 'adm2']) expect((await post('own', '/group/set-role', { groupId, userId, role: 'admin' })).code).toBe(0);
}

describe('POST /group/add-members', () => {
  it('lets the owner and an admin add users, returning only those actually added', async () => {
    await team('a1');
    expect((await post('own', '/group/add-members', { groupId: 'a1', members: ['new'] })).data).toEqual({ added: ['new'] });
    expect((await post('adm', '/group/add-members', { groupId: 'a1', members: ['out', 'mem'] })).data).toEqual({ added: ['out'] });
    expect(await roster('a1')).toContain('out:member');
  });

  it('refuses a plain member with 403 / 2005 and a non-member with 403 / 3003', async () => {
    await team('a2');
    const member = await post('mem', '/group/add-members', { groupId: 'a2', members: ['new'] });
    expect([member.status, member.code]).toEqual([403, 2005]);
    const outsider = await post('out', '/group/add-members', { groupId: 'a2', members: ['new'] });
    expect([outsider.status, outsider.code]).toEqual([403, 3003]);
    expect(await roster('a2')).not.toContain('new:member');
  });

  it('refuses a missing user with 404 / 3009 and adds none of the others', async () => {
    await team('a3');
    const res = await post('own', '/group/add-members', { groupId: 'a3', members: ['new', 'ghost'] });
    expect([res.status, res.code]).toEqual([404, 3009]);
    expect(await roster('a3')).not.toContain('new:member');
  });

  it('refuses an unknown group (404 / 3008) and an empty or malformed list (400 / 1000)', async () => {
    expect((await post('own', '/group/add-members', { groupId: 'nope', members: ['new'] })).code).toBe(3008);
    await team('a4');
    expect((await post('own', '/group/add-members', { groupId: 'a4', members: [] })).code).toBe(1000);
    expect((await post('own', '/group/add-members', { groupId: 'a4', members: 'new' })).code).toBe(1000);
  });
});

describe('adding a user who blocked you', () => {
  it('is refused with 403 / 3002 by add-members and by create, and adds nobody', async () => {
    await team('b1');
    // `new` blocks the admin: the admin may no longer put them in front of their messages
    expect((await post('new', '/user/block', { userId: 'adm' })).code).toBe(0);

    const added = await post('adm', '/group/add-members', { groupId: 'b1', members: ['out', 'new'] });
    const created = await post('adm', '/group/create', { groupId: 'b1x', type: 2, name: 'Sneaky', members: ['out', 'new'] });

    expect([added.status, added.code]).toEqual([403, 3002]);
    expect([created.status, created.code]).toEqual([403, 3002]);
    expect(await roster('b1')).not.toContain('out:member');
    expect((await api.get('/group/info', { groupId: 'b1x' }, as('own'))).code).toBe(3008);
    // ... while someone the blocked user did not block can still add them
    expect((await post('own', '/group/add-members', { groupId: 'b1', members: ['new'] })).data).toEqual({ added: ['new'] });
  });
});

describe('POST /group/remove-members', () => {
  it('lets the owner remove anyone but itself, returning only those actually removed', async () => {
    await team('r1');
    const res = await post('own', '/group/remove-members', { groupId: 'r1', members: ['adm', 'mem', 'out'] });
    expect(res.data).toEqual({ removed: expect.arrayContaining(['adm', 'mem']) as unknown });
    expect(res.data.removed).toHaveLength(2);
    expect(await roster('r1')).toEqual(['adm2:admin', 'mem2:member', 'own:owner']);
  });

  it('lets an admin remove plain members', async () => {
    await team('r2');
    expect((await post('adm', '/group/remove-members', { groupId: 'r2', members: ['mem'] })).data).toEqual({ removed: ['mem'] });
  });

  it('refuses removing the owner with 403 / 2005 and removes no one', async () => {
    await team('r3');
    const res = await post('adm', '/group/remove-members', { groupId: 'r3', members: ['mem', 'own'] });
    expect([res.status, res.code]).toEqual([403, 2005]);
    expect(await roster('r3')).toContain('mem:member');
  });

  it('refuses an admin removing another admin with 403 / 2005 and removes no one', async () => {
    await team('r4');
    const res = await post('adm', '/group/remove-members', { groupId: 'r4', members: ['mem', 'adm2'] });
    expect([res.status, res.code]).toEqual([403, 2005]);
    expect(await roster('r4')).toEqual(['adm2:admin', 'adm:admin', 'mem2:member', 'mem:member', 'own:owner']);
  });

  it('refuses a plain member (403 / 2005) and a non-member (403 / 3003)', async () => {
    await team('r5');
    expect((await post('mem', '/group/remove-members', { groupId: 'r5', members: ['mem2'] })).code).toBe(2005);
    expect((await post('out', '/group/remove-members', { groupId: 'r5', members: ['mem2'] })).code).toBe(3003);
    expect(await roster('r5')).toContain('mem2:member');
  });
});

describe('POST /group/set-role', () => {
  it('lets the owner promote and demote', async () => {
    await team('s1');
    expect((await post('own', '/group/set-role', { groupId: 's1', userId: 'mem', role: 'admin' })).data).toEqual({ userId: 'mem', role: 'admin' });
    expect((await post('own', '/group/set-role', { groupId: 's1', userId: 'adm', role: 'member' })).code).toBe(0);
    expect(await roster('s1')).toEqual(['adm2:admin', 'adm:member', 'mem2:member', 'mem:admin', 'own:owner']);
  });

  it('refuses an admin (403 / 2005), a non-member caller (403 / 3003), a non-member target (403 / 3003)', async () => {
    await team('s2');
    expect((await post('adm', '/group/set-role', { groupId: 's2', userId: 'mem', role: 'admin' })).code).toBe(2005);
    expect((await post('out', '/group/set-role', { groupId: 's2', userId: 'mem', role: 'admin' })).code).toBe(3003);
    const target = await post('own', '/group/set-role', { groupId: 's2', userId: 'out', role: 'admin' });
    expect([target.status, target.code]).toEqual([403, 3003]);
    expect(await roster('s2')).toContain('mem:member');
  });

  it("refuses changing the owner's role (403 / 2005) and the role 'owner' (400 / 1000)", async () => {
    await team('s3');
    expect((await post('own', '/group/set-role', { groupId: 's3', userId: 'own', role: 'member' })).code).toBe(2005);
    expect((await post('own', '/group/set-role', { groupId: 's3', userId: 'mem', role: 'owner' })).code).toBe(1000);
    expect(await roster('s3')).toContain('own:owner');
  });
});

describe('POST /group/mute', () => {
  it('lets the owner mute an admin and an admin mute a member, and unmute', async () => {
    await team('m1');
    expect((await post('own', '/group/mute', { groupId: 'm1', userId: 'adm', muted: true })).data).toEqual({ userId: 'adm', muted: true });
    expect((await post('adm2', '/group/mute', { groupId: 'm1', userId: 'mem', muted: true })).code).toBe(0);
    expect(await roster('m1')).toEqual(['adm2:admin', 'adm:admin:muted', 'mem2:member', 'mem:member:muted', 'own:owner']);
    expect((await post('adm2', '/group/mute', { groupId: 'm1', userId: 'mem', muted: false })).code).toBe(0);
    expect(await roster('m1')).toContain('mem:member');
  });

  it('refuses muting the owner, an admin muting an admin, and a plain member muting (all 403 / 2005)', async () => {
    await team('m2');
    for (const [caller, userId] of [['adm', 'own'], ['own', 'own'], ['adm', 'adm2'], ['mem', 'mem2']] as const) {
      const res = await post(caller, '/group/mute', { groupId: 'm2', userId, muted: true });
      expect([caller, userId, res.status, res.code]).toEqual([caller, userId, 403, 2005]);
    }
    expect(await roster('m2')).toEqual(['adm2:admin', 'adm:admin', 'mem2:member', 'mem:member', 'own:owner']);
  });

  it('refuses a non-member caller or target (403 / 3003), an unknown group (404 / 3008), a missing flag (400 / 1000)', async () => {
    await team('m3');
    expect((await post('out', '/group/mute', { groupId: 'm3', userId: 'mem', muted: true })).code).toBe(3003);
    expect((await post('own', '/group/mute', { groupId: 'm3', userId: 'out', muted: true })).code).toBe(3003);
    expect((await post('own', '/group/mute', { groupId: 'nope', userId: 'mem', muted: true })).code).toBe(3008);
    expect((await post('own', '/group/mute', { groupId: 'm3', userId: 'mem' })).code).toBe(1000);
  });
});
