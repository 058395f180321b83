import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, MsgType } from '../../src/protocol/codes.js';
import type { BusEvent, GroupChangedEvent, SocialChangedEvent } from '../../src/server/sync/bus.js';
import { MemoryBus } from '../../src/server/sync/memory-bus.js';
import { registerUsers, useHarness } from '../helpers/server.js';

const h = useHarness();

type CacheEvent = GroupChangedEvent | SocialChangedEvent;
const isCacheEvent = (e: BusEvent): e is CacheEvent => e.kind === 'group-changed' || e.kind === 'social-changed';

/**
 * A real server over HTTP with a real MemoryBus handed in: every change of membership, role,
 * mute, friendship or block reaches the bus (where every node's subscribers see it) before the
 * HTTP answer does.
 */
describe('domain events on the server bus', () => {
  async function start() {
    const bus = new MemoryBus();
    const seen: CacheEvent[] = [];
    await bus.subscribe((e) => {
      if (isCacheEvent(e)) seen.push(e);
    });
    const server = await h.startServer({ bus });
    const [alice, bob, carl] = await registerUsers(server, ['alice', 'bob', 'carl'] as const);
    /** The events published since the last call. */
    const take = () => seen.splice(0);
    return { server, alice, bob, carl, take };
  }

  it('publishes social-changed for friend add/remove and block/unblock', async () => {
    const { alice, bob, take } = await start();
    await alice.http.friendAdd('bob');
    expect(take()).toEqual([{ kind: 'social-changed', change: 'friend', userIds: ['alice', 'bob'] }]);
    await bob.http.friendAdd('alice');
    expect(take()).toEqual([{ kind: 'social-changed', change: 'friend', userIds: ['bob', 'alice'] }]);
    await bob.http.friendRemove('alice');
    expect(take()).toEqual([{ kind: 'social-changed', change: 'friend', userIds: ['bob', 'alice'] }]);
    await alice.http.block('bob');
    expect(take()).toEqual([{ kind: 'social-changed', change: 'block', userIds: ['alice', 'bob'] }]);
    await alice.http.unblock('bob');
    expect(take()).toEqual([{ kind: 'social-changed', change: 'block', userIds: ['alice', 'bob'] }]);
    // A refusal publishes nothing.
    await expect(alice.http.friendAdd('alice')).rejects.toThrow();
    expect(take()).toEqual([]);
  });

  it('publishes group-changed for create, join, add/remove members, set-role, mute and leave', async () => {
    const { alice, bob, carl, take } = await start();
    const { groupId, convId } = await alice.http.groupCreate({ groupId: 'room', type: ConvType.CHATROOM, name: 'room', members: ['bob'] });
    const ev = (change: GroupChangedEvent['change'], userIds: string[]): GroupChangedEvent => ({ kind: 'group-changed', groupId, convId, change, userIds });
    expect(take()).toEqual([ev('created', ['alice', 'bob'])]);

    await carl.http.groupJoin(groupId);
    expect(take()).toEqual([ev('members-added', ['carl'])]);
    await alice.http.groupSetRole(groupId, 'bob', 'admin');
    expect(take()).toEqual([ev('role', ['bob'])]);
    await bob.http.groupMute(groupId, 'carl', true);
    expect(take()).toEqual([ev('mute', ['carl'])]);
    await bob.http.groupRemoveMembers(groupId, ['carl']);
    expect(take()).toEqual([ev('members-removed', ['carl'])]);
    await alice.http.groupAddMembers(groupId, ['carl']);
    expect(take()).toEqual([ev('members-added', ['carl'])]);
    await carl.http.groupLeave(groupId);
    expect(take()).toEqual([ev('members-removed', ['carl'])]);

    // Refusals publish nothing: carl is no member any more, and bob (admin) cannot remove the owner.
    await expect(carl.http.groupLeave(groupId)).rejects.toThrow();
    await expect(bob.http.groupRemoveMembers(groupId, ['alice'])).rejects.toThrow();
    expect(take()).toEqual([]);
  });

  it('still delivers messages after cache events went through the deliverer', async () => {
    const { server, alice, bob } = await start();
    await alice.http.friendAdd('bob');
    await bob.http.friendAdd('alice');
    const a = await h.connect(server, alice);
    const b = await h.connect(server, bob);
    const ack = await a.send({ convType: ConvType.SINGLE, msgType: MsgType.TEXT, to: 'bob', content: { text: 'hi' } });
    expect(ack.stamp.seq).toBe(1);
    await b.waitFor(match.push({ from: 'alice' }));
  });
});
