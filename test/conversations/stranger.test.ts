import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { strangerText, text } from '../helpers/messages.js';
import { befriend, useHarness } from '../helpers/server.js';

const h = useHarness();

const CONV = pairConvId(ConvType.STRANGER_CHAT, 'alice', 'bob');

describe('STRANGER_CHAT (8): happy path', () => {
  it('lets users who are not friends talk, with an inbox row and a pts for both', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);

    const ack = await alice.client.send(strangerText('bob', 'hello stranger'));
    const push = await bob.client.waitFor(match.push({ text: 'hello stranger' }));
    const reply = await bob.client.send(strangerText('alice', 'hello yourself'));
    const back = await alice.client.waitFor(match.push({ text: 'hello yourself' }));

    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1, pts: 1 });
    expect(push.route).toMatchObject({ convType: ConvType.STRANGER_CHAT, from: 'alice', to: 'bob' });
    expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV, seq: 1, pts: 1 });
    expect(reply.stamp).toMatchObject({ convId: CONV, seq: 2, pts: 2 });
    expect(back.stamp).toMatchObject({ convId: CONV, seq: 2, pts: 2 });
    for (const user of [alice, bob]) {
      const sync = await user.client.sync(0);
      expect(sync.content.messages.map((m) => [m.stamp.pts, m.content.text])).toEqual([
        [1, 'hello stranger'],
        [2, 'hello yourself'],
      ]);
    }
  });

  it('keeps a stranger chat apart from the SINGLE conversation of the same two users', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    const single = await alice.client.send(text('bob', 'single'));
    const stranger = await alice.client.send(strangerText('bob', 'stranger'));

    expect(single.stamp).toMatchObject({ convId: pairConvId(ConvType.SINGLE, 'alice', 'bob'), seq: 1 });
    expect(stranger.stamp).toMatchObject({ convId: CONV, seq: 1 });
    const history = await bob.client.history({ convId: CONV });
    expect(history.content.messages.map((m) => m.content.text)).toEqual(['stranger']);
  });
});

describe('STRANGER_CHAT (8): refusals', () => {
  it('refuses with STRANGERS_NOT_ALLOWED (3010) when the receiver disallows strangers', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await bob.http.settings({ allowStrangers: false });

    await expect(alice.client.send(strangerText('bob', 'hi?'))).rejects.toMatchObject({ code: ErrorCode.STRANGERS_NOT_ALLOWED });

    expect((await bob.client.sync(0)).content.messages).toEqual([]);
  });

  it('only asks the receiver: the one who disallows strangers may still write to a stranger who allows them', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await bob.http.settings({ allowStrangers: false });

    const ack = await bob.client.send(strangerText('alice', 'I write first'));

    expect(ack.stamp.seq).toBe(1);
    await alice.client.waitFor(match.push({ text: 'I write first' }));
  });

  it('lets friends through even when the receiver disallows strangers', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await bob.http.settings({ allowStrangers: false });
    await befriend(alice, bob);

    const ack = await alice.client.send(strangerText('bob', 'friend here'));

    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1 });
    await bob.client.waitFor(match.push({ text: 'friend here' }));
  });

  it('accepts strangers again once the receiver allows them', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await bob.http.settings({ allowStrangers: false });
    await bob.http.settings({ allowStrangers: true });

    await alice.client.send(strangerText('bob', 'now?'));

    await bob.client.waitFor(match.push({ text: 'now?' }));
  });

  it('refuses with BLOCKED (3002) in both directions when one side blocks the other', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await alice.http.block('bob');

    await expect(bob.client.send(strangerText('alice', 'hey'))).rejects.toMatchObject({ code: ErrorCode.BLOCKED });
    await expect(alice.client.send(strangerText('bob', 'hey'))).rejects.toMatchObject({ code: ErrorCode.BLOCKED });

    expect((await alice.client.sync(0)).content.messages).toEqual([]);
    expect((await bob.client.sync(0)).content.messages).toEqual([]);
  });

  it('reports a block (3002) before the strangers setting (3010)', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await bob.http.settings({ allowStrangers: false });
    await bob.http.block('alice');

    await expect(alice.client.send(strangerText('bob', 'hey'))).rejects.toMatchObject({ code: ErrorCode.BLOCKED });
  });

  it('refuses a user that does not exist with USER_NOT_FOUND (3009), and yourself with BAD_FRAME (1000)', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    await expect(alice.client.send(strangerText('nobody', 'hey'))).rejects.toMatchObject({ code: ErrorCode.USER_NOT_FOUND });
    await expect(alice.client.send(strangerText('alice', 'hey me'))).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
  });
});
