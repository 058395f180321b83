import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { setupGroup } from '../helpers/groups.js';
import { textTo } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

const h = useHarness();

const CHANNEL = 'news';
const CONV = groupConvId(ConvType.CHANNEL, CHANNEL);

const post = textTo(ConvType.CHANNEL, CHANNEL);

/** alice owns the CHANNEL `news`; bob and carol subscribed through /group/join; dave did not. */
const setup = () =>
  setupGroup(h, ConvType.CHANNEL, { groupId: CHANNEL, name: 'News', owner: 'alice', joined: ['bob', 'carol'], outsiders: ['dave'] });

describe('CHANNEL (4): happy path', () => {
  it('lets the owner post; every subscriber gets the push with a seq and no pts', async () => {
    const { alice, bob, carol } = await setup();

    const ack = await alice.client.send(post('edition 1'));

    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1 });
    expect(ack.stamp).not.toHaveProperty('pts');
    for (const subscriber of [bob, carol]) {
      const push = await subscriber.client.waitFor(match.push({ text: 'edition 1' }));
      expect(push.route).toMatchObject({ convType: ConvType.CHANNEL, from: 'alice', to: CHANNEL });
      expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV, seq: 1 });
      expect(push.stamp).not.toHaveProperty('pts');
    }
  });

  it('keeps posts out of SYNC (read diffusion) and serves them by HISTORY', async () => {
    const { alice, bob } = await setup();
    await alice.client.send(post('edition 1'));
    await alice.client.send(post('edition 2'));

    expect((await bob.client.sync(0)).content).toEqual({ messages: [], maxPts: 0, hasMore: false });
    expect((await alice.client.sync(0)).content).toEqual({ messages: [], maxPts: 0, hasMore: false });
    const history = await bob.client.history({ convId: CONV });
    expect(history.content.messages.map((m) => [m.stamp.seq, m.content.text])).toEqual([
      [1, 'edition 1'],
      [2, 'edition 2'],
    ]);
  });

  it('lets a subscriber promoted to admin post', async () => {
    const { alice, bob, carol } = await setup();
    await alice.http.groupSetRole(CHANNEL, 'carol', 'admin');

    const ack = await carol.client.send(post('from the new admin'));

    expect(ack.stamp.seq).toBe(1);
    const push = await bob.client.waitFor(match.push({ text: 'from the new admin' }));
    expect(push.route.from).toBe('carol');
    await alice.client.waitFor(match.push({ text: 'from the new admin' }));
  });
});

describe('CHANNEL (4): refusals', () => {
  it('refuses a plain subscriber with CHANNEL_READ_ONLY (3006) and stores nothing', async () => {
    const { bob, carol } = await setup();

    await expect(bob.client.send(post('can I post?'))).rejects.toMatchObject({ code: ErrorCode.CHANNEL_READ_ONLY });

    expect((await carol.client.history({ convId: CONV })).content.messages).toEqual([]);
  });

  it('refuses an admin demoted back to member with CHANNEL_READ_ONLY (3006)', async () => {
    const { alice, carol } = await setup();
    await alice.http.groupSetRole(CHANNEL, 'carol', 'admin');
    await carol.client.send(post('while admin'));
    await alice.http.groupSetRole(CHANNEL, 'carol', 'member');

    await expect(carol.client.send(post('after demotion'))).rejects.toMatchObject({ code: ErrorCode.CHANNEL_READ_ONLY });
  });

  it('refuses a user who never subscribed', async () => {
    const { bob, dave } = await setup();

    // §4 names 3006 for anyone but owner/admins; a non-member may also be told 3003.
    const error = await dave.client.send(post('outsider')).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: expect.toBeOneOf([ErrorCode.CHANNEL_READ_ONLY, ErrorCode.NOT_MEMBER]) });
    expect((await bob.client.history({ convId: CONV })).content.messages).toEqual([]);
  });
});
