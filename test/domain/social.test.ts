import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/codes.js';
import { codeOf, useDomain } from './domain-fixture.js';

const fixture = useDomain();

describe('social: friends and blocks', () => {
  it('a friend request is pending until both sides added; each add and remove publishes `friend` for the pair', async () => {
    const f = await fixture();
    await f.users('alice', 'bob');
    expect(await f.domain.social.addFriend('alice', 'bob')).toEqual({ status: 'pending' });
    expect(await f.domain.social.addFriend('bob', 'alice')).toEqual({ status: 'friends' });
    expect(await f.domain.social.listFriends('alice')).toEqual({ friends: ['bob'], pendingIn: [], pendingOut: [] });
    await f.domain.social.removeFriend('alice', 'bob');
    expect(await f.domain.social.listFriends('bob')).toEqual({ friends: [], pendingIn: [], pendingOut: [] });
    expect(f.events).toEqual([
      { kind: 'social-changed', change: 'friend', userIds: ['alice', 'bob'] },
      { kind: 'social-changed', change: 'friend', userIds: ['bob', 'alice'] },
      { kind: 'social-changed', change: 'friend', userIds: ['alice', 'bob'] },
    ]);
  });

  it('refuses yourself (1000), an unknown user (3009) and a pair where either blocks the other (3002), publishing nothing', async () => {
    const f = await fixture();
    await f.users('alice', 'bob', 'carl');
    await f.store.block('carl', 'alice');
    for (const op of ['addFriend', 'removeFriend', 'block', 'unblock'] as const) {
      expect(await codeOf(f.domain.social[op]('alice', 'alice'))).toBe(ErrorCode.BAD_FRAME);
      expect(await codeOf(f.domain.social[op]('alice', 'zed'))).toBe(ErrorCode.USER_NOT_FOUND);
    }
    expect(await codeOf(f.domain.social.addFriend('alice', 'carl'))).toBe(ErrorCode.BLOCKED);
    expect(await codeOf(f.domain.social.addFriend('carl', 'alice'))).toBe(ErrorCode.BLOCKED);
    expect(f.events).toEqual([]);
  });

  it('block and unblock publish `block` for the pair, the actor first', async () => {
    const f = await fixture();
    await f.users('alice', 'bob');
    await f.domain.social.block('alice', 'bob');
    expect(await f.store.isBlockedEitherWay('bob', 'alice')).toBe(true);
    await f.domain.social.unblock('alice', 'bob');
    expect(await f.store.isBlockedEitherWay('bob', 'alice')).toBe(false);
    expect(f.events).toEqual([
      { kind: 'social-changed', change: 'block', userIds: ['alice', 'bob'] },
      { kind: 'social-changed', change: 'block', userIds: ['alice', 'bob'] },
    ]);
  });
});
