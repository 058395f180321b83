import { describe, expect, it } from 'vitest';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { codeOf, useDomain, type DomainFixture } from './domain-fixture.js';

const fixture = useDomain();

/** alice owns g1 (GROUP) with admin ann, admin amy, member bob, member carl; dave is no member. */
async function withGroup(): Promise<DomainFixture> {
  const f = await fixture();
  await f.users('alice', 'ann', 'amy', 'bob', 'carl', 'dave');
  await f.domain.groups.create('alice', { groupId: 'g1', type: ConvType.GROUP, name: 'g', members: ['ann', 'amy', 'bob', 'carl'] });
  await f.domain.groups.setRole('alice', 'g1', 'ann', 'admin');
  await f.domain.groups.setRole('alice', 'g1', 'amy', 'admin');
  f.events.length = 0;
  return f;
}

describe('groups: create, info, join, leave, members', () => {
  it('creates a group with the caller as owner, members deduplicated, and publishes `created` with their ids', async () => {
    const f = await fixture();
    await f.users('alice', 'bob', 'carl');
    const ref = await f.domain.groups.create('alice', { groupId: 'g1', type: ConvType.GROUP, name: 'g', members: ['bob', 'bob', 'alice', 'carl'] });
    expect(ref).toEqual({ groupId: 'g1', convId: expect.any(String) });
    const members = await f.domain.groups.members('alice', 'g1');
    expect(members.map((m) => [m.userId, m.role]).sort()).toEqual([['alice', 'owner'], ['bob', 'member'], ['carl', 'member']]);
    expect(f.events).toEqual([{ kind: 'group-changed', groupId: 'g1', convId: ref.convId, change: 'created', userIds: ['alice', 'bob', 'carl'] }]);
  });

  it('picks a groupId when none is given; a CUSTOM group gets policy `members` by default', async () => {
    const f = await fixture();
    await f.users('alice');
    const { groupId } = await f.domain.groups.create('alice', { type: ConvType.CUSTOM_CONVERSATION, name: 'c' });
    expect(groupId).toMatch(/^g[0-9a-z]{12}$/);
    expect(await f.domain.groups.info(groupId)).toMatchObject({ policy: 'members', memberCount: 1, owner: 'alice' });
  });

  it('refuses a policy on anything but CUSTOM (1000), unknown members (3009), members who blocked the owner (3002), a taken groupId (3012) — and publishes nothing', async () => {
    const f = await fixture();
    await f.users('alice', 'bob', 'carl');
    await f.store.block('carl', 'alice');
    f.events.length = 0;
    expect(await codeOf(f.domain.groups.create('alice', { type: ConvType.GROUP, name: 'g', policy: 'open' }))).toBe(ErrorCode.BAD_FRAME);
    expect(await codeOf(f.domain.groups.create('alice', { type: ConvType.GROUP, name: 'g', members: ['bob', 'zed'] }))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(await codeOf(f.domain.groups.create('alice', { type: ConvType.GROUP, name: 'g', members: ['bob', 'carl'] }))).toBe(ErrorCode.BLOCKED);
    await f.domain.groups.create('alice', { groupId: 'g1', type: ConvType.GROUP, name: 'g' });
    f.events.length = 0;
    expect(await codeOf(f.domain.groups.create('bob', { groupId: 'g1', type: ConvType.GROUP, name: 'g' }))).toBe(ErrorCode.GROUP_EXISTS);
    expect(f.events).toEqual([]);
  });

  it('info of a missing group is 3008; info needs no membership', async () => {
    const f = await withGroup();
    expect(await codeOf(f.domain.groups.info('nope'))).toBe(ErrorCode.CONVERSATION_NOT_FOUND);
    expect(await f.domain.groups.info('g1')).toMatchObject({ groupId: 'g1', memberCount: 5, type: ConvType.GROUP });
  });

  it('lets anyone join a CHATROOM, CHANNEL or open CUSTOM group, and nobody join a GROUP or closed CUSTOM (2005)', async () => {
    const f = await fixture();
    await f.users('alice', 'bob');
    for (const [groupId, type, policy] of [
      ['room', ConvType.CHATROOM, undefined],
      ['chan', ConvType.CHANNEL, undefined],
      ['open', ConvType.CUSTOM_CONVERSATION, 'open'],
    ] as const) {
      const { convId } = await f.domain.groups.create('alice', { groupId, type, name: groupId, policy });
      f.events.length = 0;
      expect(await f.domain.groups.join('bob', groupId)).toEqual({ groupId, convId });
      expect(f.events).toEqual([{ kind: 'group-changed', groupId, convId, change: 'members-added', userIds: ['bob'] }]);
    }
    await f.domain.groups.create('alice', { groupId: 'grp', type: ConvType.GROUP, name: 'g' });
    await f.domain.groups.create('alice', { groupId: 'closed', type: ConvType.CUSTOM_CONVERSATION, name: 'c', policy: 'owner' });
    expect(await codeOf(f.domain.groups.join('bob', 'grp'))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.join('bob', 'closed'))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.join('bob', 'missing'))).toBe(ErrorCode.CONVERSATION_NOT_FOUND);
  });

  it('publishes nothing when a join changes nothing (already a member)', async () => {
    const f = await fixture();
    await f.users('alice', 'bob');
    await f.domain.groups.create('alice', { groupId: 'room', type: ConvType.CHATROOM, name: 'r', members: ['bob'] });
    f.events.length = 0;
    await f.domain.groups.join('bob', 'room');
    expect(f.events).toEqual([]);
  });

  it('leave: a non-member gets 3003, the owner 2005; a member leaves and `members-removed` is published', async () => {
    const f = await withGroup();
    expect(await codeOf(f.domain.groups.leave('dave', 'g1'))).toBe(ErrorCode.NOT_MEMBER);
    expect(await codeOf(f.domain.groups.leave('alice', 'g1'))).toBe(ErrorCode.FORBIDDEN);
    expect(f.events).toEqual([]);
    await f.domain.groups.leave('bob', 'g1');
    expect(f.events).toMatchObject([{ kind: 'group-changed', groupId: 'g1', change: 'members-removed', userIds: ['bob'] }]);
    expect(await codeOf(f.domain.groups.members('bob', 'g1'))).toBe(ErrorCode.NOT_MEMBER);
  });

  it('members: only members may list them (3003), a missing group is 3008', async () => {
    const f = await withGroup();
    expect(await codeOf(f.domain.groups.members('dave', 'g1'))).toBe(ErrorCode.NOT_MEMBER);
    expect(await codeOf(f.domain.groups.members('alice', 'nope'))).toBe(ErrorCode.CONVERSATION_NOT_FOUND);
    expect(await f.domain.groups.members('bob', 'g1')).toHaveLength(5);
  });
});

describe('groups: what owners and admins do', () => {
  it('add-members: owner or admin only (plain member 2005, stranger 3003); unknown users 3009; a user who blocked the caller 3002', async () => {
    const f = await withGroup();
    await f.users('eve', 'fay');
    await f.store.block('fay', 'ann');
    f.events.length = 0;
    expect(await codeOf(f.domain.groups.addMembers('bob', 'g1', ['eve']))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.addMembers('dave', 'g1', ['eve']))).toBe(ErrorCode.NOT_MEMBER);
    expect(await codeOf(f.domain.groups.addMembers('ann', 'g1', ['eve', 'zed']))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(await codeOf(f.domain.groups.addMembers('ann', 'g1', ['eve', 'fay']))).toBe(ErrorCode.BLOCKED);
    expect(await codeOf(f.domain.groups.addMembers('ann', 'nope', ['eve']))).toBe(ErrorCode.CONVERSATION_NOT_FOUND);
    expect(f.events).toEqual([]);
    // fay blocked ann, not alice: the owner may add her.
    expect(await f.domain.groups.addMembers('alice', 'g1', ['eve', 'fay', 'bob'])).toEqual(['eve', 'fay']);
    expect(f.events).toMatchObject([{ kind: 'group-changed', groupId: 'g1', change: 'members-added', userIds: ['eve', 'fay'] }]);
  });

  it('remove-members: never the owner; an admin removes plain members (and itself) but not another admin; the owner removes admins', async () => {
    const f = await withGroup();
    expect(await codeOf(f.domain.groups.removeMembers('ann', 'g1', ['alice']))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.removeMembers('alice', 'g1', ['bob', 'alice']))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.removeMembers('ann', 'g1', ['bob', 'amy']))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.removeMembers('bob', 'g1', ['carl']))).toBe(ErrorCode.FORBIDDEN);
    expect(f.events).toEqual([]);
    expect(await f.domain.groups.removeMembers('ann', 'g1', ['bob', 'dave'])).toEqual(['bob']);
    expect(await f.domain.groups.removeMembers('ann', 'g1', ['ann'])).toEqual(['ann']);
    expect(await f.domain.groups.removeMembers('alice', 'g1', ['amy'])).toEqual(['amy']);
    expect(f.events.map((e) => (e.kind === 'group-changed' ? [e.change, e.userIds] : e.kind))).toEqual([
      ['members-removed', ['bob']],
      ['members-removed', ['ann']],
      ['members-removed', ['amy']],
    ]);
    // Nobody left to remove: no event.
    await f.domain.groups.removeMembers('alice', 'g1', ['dave']);
    expect(f.events).toHaveLength(3);
  });

  it("set-role: the owner only (admin 2005, stranger 3003); the target must be a member (3003); the owner's role never changes", async () => {
    const f = await withGroup();
    expect(await codeOf(f.domain.groups.setRole('ann', 'g1', 'bob', 'admin'))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.setRole('dave', 'g1', 'bob', 'admin'))).toBe(ErrorCode.NOT_MEMBER);
    expect(await codeOf(f.domain.groups.setRole('alice', 'g1', 'dave', 'admin'))).toBe(ErrorCode.NOT_MEMBER);
    expect(await codeOf(f.domain.groups.setRole('alice', 'g1', 'alice', 'member'))).toBe(ErrorCode.FORBIDDEN);
    expect(f.events).toEqual([]);
    expect(await f.domain.groups.setRole('alice', 'g1', 'bob', 'admin')).toEqual({ userId: 'bob', role: 'admin' });
    expect(f.events).toMatchObject([{ kind: 'group-changed', groupId: 'g1', change: 'role', userIds: ['bob'] }]);
    expect((await f.domain.groups.members('bob', 'g1')).find((m) => m.userId === 'bob')?.role).toBe('admin');
  });

  it('mute: owner or admin; never the owner; an admin never another admin; the owner mutes admins', async () => {
    const f = await withGroup();
    expect(await codeOf(f.domain.groups.mute('bob', 'g1', 'carl', true))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.mute('ann', 'g1', 'alice', true))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.mute('ann', 'g1', 'amy', true))).toBe(ErrorCode.FORBIDDEN);
    expect(await codeOf(f.domain.groups.mute('ann', 'g1', 'dave', true))).toBe(ErrorCode.NOT_MEMBER);
    expect(f.events).toEqual([]);
    expect(await f.domain.groups.mute('ann', 'g1', 'bob', true)).toEqual({ userId: 'bob', muted: true });
    expect(await f.domain.groups.mute('alice', 'g1', 'amy', true)).toEqual({ userId: 'amy', muted: true });
    expect(f.events.map((e) => (e.kind === 'group-changed' ? [e.change, e.userIds] : e.kind))).toEqual([
      ['mute', ['bob']],
      ['mute', ['amy']],
    ]);
  });
});
