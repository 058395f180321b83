import { describe, expect, it } from 'vitest';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { ImError } from '../../src/server/errors.js';
import { groupMessage, newGroup, useStore, user } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

const code = (e: unknown) => (e instanceof ImError ? e.code : e);

/** Lifecycle, meta, users, friends, blocks and groups of the MessageStore port. */
export function describeAccounts(factory: StoreFactory): void {
  const store = useStore(factory);

  describe('lifecycle', () => {
    it('answers ping while open', async () => {
      await expect(store().ping()).resolves.toBeUndefined();
    });

    it('rejects every call after close, and closing twice is harmless', async () => {
      await store().close();
      await store().close();
      await expect(store().ping()).rejects.toBeInstanceOf(Error);
      await expect(store().getUser('alice')).rejects.toBeInstanceOf(Error);
      await expect(store().appendMessages([])).rejects.toBeInstanceOf(Error);
    });
  });

  describe('getOrInitMeta', () => {
    it('stores the initial value once and returns it afterwards without calling init', async () => {
      expect(await store().getOrInitMeta('secret', () => 's1')).toBe('s1');
      let called = false;
      const again = await store().getOrInitMeta('secret', () => {
        called = true;
        return 's2';
      });
      expect(again).toBe('s1');
      expect(called).toBe(false);
      expect(await store().getOrInitMeta('other', () => 'o1')).toBe('o1');
    });
  });

  describe('users', () => {
    it('creates a user who accepts strangers by default', async () => {
      await store().createUsers([user('alice', 'Alice')]);
      expect(await store().getUser('alice')).toEqual({
        userId: 'alice',
        nickname: 'Alice',
        passwordHash: 'scrypt$alice',
        allowStrangers: true,
        tokenGeneration: 0,
      });
    });

    it('changes the password and bumps the token generation; an unknown user is USER_NOT_FOUND', async () => {
      await store().createUsers([user('alice')]);
      expect(await store().tokenStatus('alice', 'h1')).toEqual({ generation: 0, revoked: false });

      expect(await store().setPassword('alice', 'scrypt$new')).toBe(1);
      expect(await store().setPassword('alice', 'scrypt$newer')).toBe(2);

      expect(await store().getUser('alice')).toMatchObject({ passwordHash: 'scrypt$newer', tokenGeneration: 2 });
      expect(await store().tokenStatus('alice', 'h1')).toEqual({ generation: 2, revoked: false });
      expect(code(await store().setPassword('nobody', 'x').catch((e: unknown) => e))).toBe(ErrorCode.USER_NOT_FOUND);
    });

    it('revokes one token by its hash, idempotently, and tells no status for an unknown user', async () => {
      await store().createUsers([user('alice')]);
      const later = Date.now() + 60_000;
      await store().revokeToken('alice', 'h1', later);
      await store().revokeToken('alice', 'h1', later);

      expect(await store().tokenStatus('alice', 'h1')).toEqual({ generation: 0, revoked: true });
      expect(await store().tokenStatus('alice', 'h2')).toEqual({ generation: 0, revoked: false });
      expect(await store().tokenStatus('nobody', 'h1')).toBeUndefined();
    });

    it('refuses a second user with the same id (USER_EXISTS) and keeps the first', async () => {
      await store().createUsers([user('alice', 'First')]);
      const e = await store().createUsers([user('alice', 'Second')]).catch((x: unknown) => x);
      expect(code(e)).toBe(ErrorCode.USER_EXISTS);
      expect((await store().getUser('alice'))?.nickname).toBe('First');
    });

    it('creates a batch of users all at once, or none of it when one id is taken or repeated (USER_EXISTS naming it)', async () => {
      await store().createUsers([user('alice'), user('bob'), user('carol')]);
      expect(await store().existingUsers(['alice', 'bob', 'carol'])).toEqual(new Set(['alice', 'bob', 'carol']));

      const taken = await store().createUsers([user('dan'), user('bob', 'Other'), user('erin')]).catch((x: unknown) => x);
      expect(code(taken)).toBe(ErrorCode.USER_EXISTS);
      expect((taken as Error).message).toContain('bob');
      const repeated = await store().createUsers([user('fay'), user('fay')]).catch((x: unknown) => x);
      expect(code(repeated)).toBe(ErrorCode.USER_EXISTS);
      expect((repeated as Error).message).toContain('fay');
      expect(await store().existingUsers(['dan', 'erin', 'fay'])).toEqual(new Set());
      expect((await store().getUser('bob'))?.nickname).not.toBe('Other');
    });

    it('returns undefined for an unknown user', async () => {
      expect(await store().getUser('nobody')).toBeUndefined();
    });

    it('tells which of a list of ids exist', async () => {
      await store().createUsers([user('alice')]);
      await store().createUsers([user('bob')]);
      expect(await store().existingUsers(['alice', 'carol', 'bob', 'alice'])).toEqual(new Set(['alice', 'bob']));
      expect(await store().existingUsers([])).toEqual(new Set());
    });

    it('stores ids with SQL-looking characters verbatim', async () => {
      const odd = "o'brien\"; DROP TABLE users; --";
      await store().createUsers([user(odd)]);
      expect((await store().getUser(odd))?.userId).toBe(odd);
      expect(await store().existingUsers([odd])).toEqual(new Set([odd]));
    });

    it('switches allowStrangers off and on', async () => {
      await store().createUsers([user('alice')]);
      await store().setAllowStrangers('alice', false);
      expect((await store().getUser('alice'))?.allowStrangers).toBe(false);
      await store().setAllowStrangers('alice', true);
      expect((await store().getUser('alice'))?.allowStrangers).toBe(true);
    });
  });

  describe('friends', () => {
    it('is pending after one side adds and friends once both have', async () => {
      expect(await store().addFriend('alice', 'bob')).toBe('pending');
      expect(await store().areFriends('alice', 'bob')).toBe(false);
      expect(await store().listFriends('alice')).toEqual({ friends: [], pendingIn: [], pendingOut: ['bob'] });
      expect(await store().listFriends('bob')).toEqual({ friends: [], pendingIn: ['alice'], pendingOut: [] });

      expect(await store().addFriend('bob', 'alice')).toBe('friends');
      expect(await store().areFriends('alice', 'bob')).toBe(true);
      expect(await store().areFriends('bob', 'alice')).toBe(true);
      expect(await store().listFriends('alice')).toEqual({ friends: ['bob'], pendingIn: [], pendingOut: [] });
      expect(await store().listFriends('bob')).toEqual({ friends: ['alice'], pendingIn: [], pendingOut: [] });
    });

    it('keeps a repeated request pending, and answers friends to a repeat once friends', async () => {
      expect(await store().addFriend('alice', 'bob')).toBe('pending');
      expect(await store().addFriend('alice', 'bob')).toBe('pending');
      await store().addFriend('bob', 'alice');
      expect(await store().addFriend('alice', 'bob')).toBe('friends');
    });

    it('removes the friendship and both requests, whoever removes', async () => {
      await store().addFriend('alice', 'bob');
      await store().addFriend('bob', 'alice');
      await store().addFriend('carol', 'alice');
      await store().removeFriend('bob', 'alice');
      expect(await store().areFriends('alice', 'bob')).toBe(false);
      expect(await store().listFriends('alice')).toEqual({ friends: [], pendingIn: ['carol'], pendingOut: [] });
      expect(await store().listFriends('bob')).toEqual({ friends: [], pendingIn: [], pendingOut: [] });
      expect(await store().addFriend('alice', 'bob')).toBe('pending');
    });
  });

  describe('relation (what the one-to-one filter reads)', () => {
    it('is undefined for a user that does not exist', async () => {
      expect(await store().relation('alice', 'ghost')).toBeUndefined();
    });

    it('tells friendship, blocks in either direction and the peer\'s stranger setting', async () => {
      for (const id of ['alice', 'bob', 'carol']) await store().createUsers([user(id)]);
      expect(await store().relation('alice', 'bob')).toEqual({ allowStrangers: true, blocked: false, friends: false });
      await store().addFriend('alice', 'bob');
      expect((await store().relation('alice', 'bob'))?.friends).toBe(false);
      await store().addFriend('bob', 'alice');
      expect((await store().relation('alice', 'bob'))?.friends).toBe(true);
      await store().block('bob', 'alice');
      expect(await store().relation('alice', 'bob')).toEqual({ allowStrangers: true, blocked: true, friends: true });
      await store().setAllowStrangers('carol', false);
      expect(await store().relation('alice', 'carol')).toEqual({ allowStrangers: false, blocked: false, friends: false });
      expect((await store().relation('carol', 'alice'))?.allowStrangers).toBe(true);
    });

    // A store may keep these answers (SQLite does): each change must show in both directions
    // right after it, whichever side made it.
    it('shows every change at once, in both directions, after both were asked', async () => {
      for (const id of ['ann', 'ben']) await store().createUsers([user(id)]);
      const both = async () => [await store().relation('ann', 'ben'), await store().relation('ben', 'ann')];
      const plain = { allowStrangers: true, blocked: false, friends: false };
      expect(await both()).toEqual([plain, plain]);
      await store().addFriend('ann', 'ben');
      await store().addFriend('ben', 'ann');
      expect((await both()).map((r) => r?.friends)).toEqual([true, true]);
      await store().block('ann', 'ben');
      expect((await both()).map((r) => r?.blocked)).toEqual([true, true]);
      await store().unblock('ann', 'ben');
      expect((await both()).map((r) => r?.blocked)).toEqual([false, false]);
      await store().removeFriend('ben', 'ann');
      expect((await both()).map((r) => r?.friends)).toEqual([false, false]);
      await store().setAllowStrangers('ben', false);
      expect((await both()).map((r) => r?.allowStrangers)).toEqual([false, true]);
      await store().setAllowStrangers('ben', true);
      expect((await both()).map((r) => r?.allowStrangers)).toEqual([true, true]);
    });

    it('finds a user created after a lookup that missed', async () => {
      expect(await store().relation('ann', 'late')).toBeUndefined();
      await store().createUsers([user('ann'), user('late')]);
      expect(await store().relation('ann', 'late')).toEqual({ allowStrangers: true, blocked: false, friends: false });
    });
  });

  describe('blocks', () => {
    it('reports a block in either direction until it is lifted', async () => {
      expect(await store().isBlockedEitherWay('alice', 'bob')).toBe(false);
      await store().block('alice', 'bob');
      await store().block('alice', 'bob');
      expect(await store().isBlockedEitherWay('alice', 'bob')).toBe(true);
      expect(await store().isBlockedEitherWay('bob', 'alice')).toBe(true);
      expect(await store().isBlockedEitherWay('alice', 'carol')).toBe(false);
      await store().unblock('bob', 'alice');
      expect(await store().isBlockedEitherWay('alice', 'bob')).toBe(true);
      await store().unblock('alice', 'bob');
      expect(await store().isBlockedEitherWay('bob', 'alice')).toBe(false);
    });

    it('tells which of a list of users block someone, sorted', async () => {
      await store().block('carol', 'alice');
      await store().block('bob', 'alice');
      await store().block('alice', 'dave');
      await store().block('erin', 'zed');

      expect(await store().blockersOf('alice', ['dave', 'carol', 'erin', 'bob'])).toEqual(['bob', 'carol']);
      expect(await store().blockersOf('alice', [])).toEqual([]);
      expect(await store().blockersOf('dave', ['bob'])).toEqual([]);
    });
  });

  describe('groups', () => {
    it('creates the group with its conversation at maxSeq 0 and the owner as owner', async () => {
      const g = newGroup('devs', 'alice', ['bob', 'carol', 'bob', 'alice']);
      await store().createGroup(g);
      expect(await store().getGroup('devs')).toEqual({
        groupId: 'devs',
        convId: 'group:devs',
        type: ConvType.GROUP,
        name: 'The devs',
        owner: 'alice',
        memberVersion: 1,
      });
      expect(await store().countMembers('devs')).toBe(3);
      expect(await store().getConversation('group:devs')).toEqual({ convId: 'group:devs', convType: ConvType.GROUP, maxSeq: 0 });
      expect(await store().getMember('devs', 'alice')).toEqual({ userId: 'alice', role: 'owner', muted: false });
      expect(await store().getMember('devs', 'bob')).toEqual({ userId: 'bob', role: 'member', muted: false });
      expect([...(await store().memberIds('devs'))].sort()).toEqual(['alice', 'bob', 'carol']);
      const members = await store().listMembers('devs');
      expect(members.map((m) => m.userId).sort()).toEqual(['alice', 'bob', 'carol']);
    });

    it('keeps the policy when one is given', async () => {
      await store().createGroup({ ...newGroup('room', 'alice', [], ConvType.CUSTOM_CONVERSATION), policy: 'open' });
      expect((await store().getGroup('room'))?.policy).toBe('open');
    });

    it('refuses a groupId that exists, whatever the type (GROUP_EXISTS)', async () => {
      await store().createGroup(newGroup('devs', 'alice', []));
      const e = await store().createGroup(newGroup('devs', 'bob', [], ConvType.CHANNEL)).catch((x: unknown) => x);
      expect(code(e)).toBe(ErrorCode.GROUP_EXISTS);
      expect((await store().getGroup('devs'))?.owner).toBe('alice');
    });

    it('answers undefined or empty for an unknown group or non-member', async () => {
      await store().createGroup(newGroup('devs', 'alice', []));
      expect(await store().getGroup('nope')).toBeUndefined();
      expect(await store().getMember('devs', 'mallory')).toBeUndefined();
      expect(await store().getMember('nope', 'alice')).toBeUndefined();
      expect(await store().listMembers('nope')).toEqual([]);
      expect(await store().memberIds('nope')).toEqual([]);
    });

    it('adds only newcomers, whose readSeq starts at the current maxSeq', async () => {
      const g = newGroup('devs', 'alice', ['bob']);
      await store().createGroup(g);
      await store().appendMessages([groupMessage(g, 'alice', g.all), groupMessage(g, 'bob', g.all)]);

      expect(await store().addMembers('devs', ['bob', 'carol', 'carol'])).toEqual(['carol']);
      expect(await store().countMembers('devs')).toBe(3);
      const [conv] = await store().listConversations('carol');
      expect(conv).toMatchObject({ convId: 'group:devs', maxSeq: 2, readSeq: 2, unread: 0 });
    });

    it('removes members, returning only those who were members, and keeps their inbox rows', async () => {
      const g = newGroup('devs', 'alice', ['bob', 'carol']);
      await store().createGroup(g);
      await store().appendMessages([groupMessage(g, 'alice', g.all)]);

      expect(await store().removeMembers('devs', ['bob', 'mallory'])).toEqual(['bob']);
      expect([...(await store().memberIds('devs'))].sort()).toEqual(['alice', 'carol']);
      expect(await store().getMember('devs', 'bob')).toBeUndefined();
      expect((await store().readInbox('bob', 0, 10)).entries).toHaveLength(1);
      expect(await store().listConversations('bob')).toEqual([]);
    });

    it('answers memberIds with the current members right after each change (no stale list)', async () => {
      await store().createGroup(newGroup('devs', 'alice', ['bob']));
      expect([...(await store().memberIds('devs'))].sort()).toEqual(['alice', 'bob']);
      await store().addMembers('devs', ['carol']);
      expect([...(await store().memberIds('devs'))].sort()).toEqual(['alice', 'bob', 'carol']);
      await store().removeMembers('devs', ['alice', 'bob']);
      expect([...(await store().memberIds('devs'))].sort()).toEqual(['carol']);
    });

    it('raises the membership version by one with each commit that adds or removes members, and only then', async () => {
      await store().createGroup(newGroup('devs', 'alice', ['bob']));
      const version = async () => (await store().getGroup('devs'))?.memberVersion;
      expect(await version()).toBe(1);

      await store().addMembers('devs', ['carol', 'dave']);
      expect(await version()).toBe(2);
      await store().removeMembers('devs', ['bob']);
      expect(await version()).toBe(3);
      await store().addMembers('devs', ['bob']);
      expect(await version()).toBe(4);

      // nothing changed: no one new, no one there, roles and mutes (not membership)
      expect(await store().addMembers('devs', ['carol'])).toEqual([]);
      expect(await store().removeMembers('devs', ['mallory'])).toEqual([]);
      await store().setRole('devs', 'bob', 'admin');
      await store().setMuted('devs', 'bob', true);
      expect(await version()).toBe(4);
    });

    it('answers memberSnapshot with the member ids and the version of one same state, after each change', async () => {
      await store().createGroup(newGroup('devs', 'alice', ['bob']));
      const snapshot = async () => {
        const s = await store().memberSnapshot('devs');
        return { version: s.version, ids: [...s.ids].sort() };
      };
      expect(await snapshot()).toEqual({ version: 1, ids: ['alice', 'bob'] });
      await store().addMembers('devs', ['carol']);
      expect(await snapshot()).toEqual({ version: 2, ids: ['alice', 'bob', 'carol'] });
      await store().removeMembers('devs', ['alice', 'bob']);
      expect(await snapshot()).toEqual({ version: 3, ids: ['carol'] });
      expect((await store().getGroup('devs'))?.memberVersion).toBe(3);
      expect(await store().memberSnapshot('nope')).toEqual({ version: 0, ids: [] });
    });

    it('never answers memberSnapshot with ids of one version and the number of another, while members join concurrently', async () => {
      // One member per commit from version 1 (the owner alone): a consistent read has as many
      // ids as its version.
      await store().createGroup(newGroup('devs', 'alice', []));
      const joins = Array.from({ length: 40 }, (_, i) => store().addMembers('devs', [`u${i}`]));
      const reads = Array.from({ length: 40 }, () => store().memberSnapshot('devs'));
      const [, snapshots] = await Promise.all([Promise.all(joins), Promise.all(reads)]);
      for (const s of snapshots) expect(s.ids.length).toBe(s.version);
      expect(await store().memberSnapshot('devs')).toMatchObject({ version: 41 });
    });

    it('changes roles and mute flags', async () => {
      await store().createGroup(newGroup('devs', 'alice', ['bob']));
      await store().setRole('devs', 'bob', 'admin');
      await store().setMuted('devs', 'bob', true);
      expect(await store().getMember('devs', 'bob')).toEqual({ userId: 'bob', role: 'admin', muted: true });
      await store().setRole('devs', 'bob', 'member');
      await store().setMuted('devs', 'bob', false);
      expect(await store().listMembers('devs')).toContainEqual({ userId: 'bob', role: 'member', muted: false });
    });

    it('refuses to change a non-member (NOT_MEMBER) or the owner role (FORBIDDEN)', async () => {
      await store().createGroup(newGroup('devs', 'alice', []));
      expect(code(await store().setRole('devs', 'mallory', 'admin').catch((x: unknown) => x))).toBe(ErrorCode.NOT_MEMBER);
      expect(code(await store().setMuted('devs', 'mallory', true).catch((x: unknown) => x))).toBe(ErrorCode.NOT_MEMBER);
      expect(code(await store().setRole('devs', 'alice', 'member').catch((x: unknown) => x))).toBe(ErrorCode.FORBIDDEN);
      expect((await store().getMember('devs', 'alice'))?.role).toBe('owner');
      expect(await store().getMember('devs', 'mallory')).toBeUndefined();
    });

    it('refuses membership changes to an unknown group (CONVERSATION_NOT_FOUND)', async () => {
      expect(code(await store().addMembers('nope', ['bob']).catch((x: unknown) => x))).toBe(ErrorCode.CONVERSATION_NOT_FOUND);
      expect(code(await store().removeMembers('nope', ['bob']).catch((x: unknown) => x))).toBe(ErrorCode.CONVERSATION_NOT_FOUND);
    });
  });
}
