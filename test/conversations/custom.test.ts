import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import type { GroupPolicy } from '../../src/protocol/frames.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { setupGroup } from '../helpers/groups.js';
import { textTo } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

const h = useHarness();

const GROUP = 'club';
const CONV = groupConvId(ConvType.CUSTOM_CONVERSATION, GROUP);

const say = textTo(ConvType.CUSTOM_CONVERSATION, GROUP);

/** alice owns the CUSTOM_CONVERSATION `club` (with `policy`, when given) with bob and carol; dave is not in it. */
const setup = (policy?: GroupPolicy) =>
  setupGroup(h, ConvType.CUSTOM_CONVERSATION, {
    groupId: GROUP,
    name: 'Club',
    owner: 'alice',
    members: ['bob', 'carol'],
    outsiders: ['dave'],
    ...(policy ? { policy } : {}),
  });

describe('CUSTOM_CONVERSATION (7): default policy `members`', () => {
  it('lets members send; every member gets an inbox row with a pts', async () => {
    const { alice, bob, carol } = await setup();
    expect(await alice.http.groupInfo(GROUP)).toMatchObject({ type: ConvType.CUSTOM_CONVERSATION, policy: 'members' });

    const ack = await bob.client.send(say('hi club'));

    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1, pts: 1 });
    for (const member of [alice, carol]) {
      const push = await member.client.waitFor(match.push({ text: 'hi club' }));
      expect(push.route).toMatchObject({ convType: ConvType.CUSTOM_CONVERSATION, from: 'bob', to: GROUP });
      expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV, seq: 1, pts: 1 });
      expect((await member.client.sync(0)).content.messages.map((m) => m.stamp.msgId)).toEqual([ack.stamp.msgId]);
    }
  });

  it('refuses a non-member with NOT_MEMBER (3003)', async () => {
    const { alice, dave } = await setup();

    await expect(dave.client.send(say('outsider'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });

    expect((await alice.client.history({ convId: CONV })).content.messages).toEqual([]);
  });

  it('does not let a user join by themselves (FORBIDDEN, 2005)', async () => {
    const { dave } = await setup();

    await expect(dave.http.groupJoin(GROUP)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    await expect(dave.client.send(say('still outside'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
  });

  it('refuses a muted member with MUTED (3004)', async () => {
    const { alice, bob } = await setup();
    await alice.http.groupMute(GROUP, 'bob', true);

    await expect(bob.client.send(say('muted'))).rejects.toMatchObject({ code: ErrorCode.MUTED });

    expect((await alice.client.sync(0)).content.messages).toEqual([]);
  });
});

describe('CUSTOM_CONVERSATION (7): policy `owner`', () => {
  it('refuses a plain member with POLICY_REJECTED (3011) and stores nothing', async () => {
    const { alice, bob, carol } = await setup('owner');

    await expect(bob.client.send(say('may I?'))).rejects.toMatchObject({ code: ErrorCode.POLICY_REJECTED });

    expect((await carol.client.sync(0)).content.messages).toEqual([]);
    expect((await alice.client.history({ convId: CONV })).content.messages).toEqual([]);
  });

  it('lets the owner and admins send', async () => {
    const { alice, bob, carol } = await setup('owner');
    await alice.http.groupSetRole(GROUP, 'carol', 'admin');

    const fromOwner = await alice.client.send(say('from the owner'));
    const fromAdmin = await carol.client.send(say('from an admin'));

    expect([fromOwner.stamp.seq, fromAdmin.stamp.seq]).toEqual([1, 2]);
    await bob.client.waitFor(match.push({ text: 'from the owner' }));
    await bob.client.waitFor(match.push({ text: 'from an admin' }));
  });

  it('still checks membership before the policy: a non-member gets NOT_MEMBER (3003)', async () => {
    const { dave } = await setup('owner');

    await expect(dave.client.send(say('outsider'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
  });
});

describe('CUSTOM_CONVERSATION (7): policy `open`', () => {
  it('refuses an outsider with NOT_MEMBER (3003) until they join with /group/join, then delivers to every member', async () => {
    const { alice, bob, dave } = await setup('open');
    await expect(dave.client.send(say('before joining'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });

    // When
    await dave.http.groupJoin(GROUP);
    const ack = await dave.client.send(say('joined!'));

    // Then
    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1, pts: 1 });
    const push = await alice.client.waitFor(match.push({ text: 'joined!' }));
    expect(push.route.from).toBe('dave');
    await bob.client.waitFor(match.push({ text: 'joined!' }));
  });

  it('pushes later messages to the user who joined', async () => {
    const { alice, dave } = await setup('open');
    await dave.http.groupJoin(GROUP);

    await alice.client.send(say('welcome dave'));

    const push = await dave.client.waitFor(match.push({ text: 'welcome dave' }));
    expect(push.stamp).toMatchObject({ convId: CONV, seq: 1, pts: 1 });
  });

  it('refuses a muted member with MUTED (3004)', async () => {
    const { alice, dave } = await setup('open');
    await dave.http.groupJoin(GROUP);
    await alice.http.groupMute(GROUP, 'dave', true);

    await expect(dave.client.send(say('muted'))).rejects.toMatchObject({ code: ErrorCode.MUTED });
  });
});
