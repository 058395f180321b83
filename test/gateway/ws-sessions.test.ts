import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { CloseCode, CmdType, PROTOCOL_VERSION } from '../../src/protocol/codes.js';
import { text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

const h = useHarness();

describe('one connection per (user, device)', () => {
  it('sends KICK {reason} to the older connection and then closes it with 4001; the newer one works', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const older = alice.client;

    // When the same device connects again
    const newer = await h.connect(server, alice);

    // Then the older one is told why, then closed
    const kick = await older.waitFor(match.kick());
    expect(kick.content).toEqual({ reason: expect.any(String) });
    expect(kick.content.reason.length).toBeGreaterThan(0);
    expect((await older.waitForClose()).code).toBe(CloseCode.KICKED);
    // and the KICK was the last frame it got
    expect(older.all.at(-1)?.frame.header.cmd).toBe(CmdType.KICK);
    // while the newer one answers and receives pushes
    expect((await newer.ping()).header.cmd).toBe(CmdType.PONG);
    await bob.client.send(text('alice', 'to the new connection'));
    const push = await newer.waitFor(match.push({ text: 'to the new connection' }));
    expect(push.stamp.pts).toBe(1);
    expect(newer.isOpen).toBe(true);
  });

  it('kicks each older connection in turn when a device reconnects repeatedly', async () => {
    const { server, users: { alice } } = await h.setup(['alice']);
    const first = alice.client;

    const second = await h.connect(server, alice);
    expect((await first.waitForClose()).code).toBe(CloseCode.KICKED);
    const third = await h.connect(server, alice);
    expect((await second.waitForClose()).code).toBe(CloseCode.KICKED);

    expect((await third.ping()).header.cmd).toBe(CmdType.PONG);
  });

  it('lets different deviceIds of one user coexist, each getting the push with the same pts', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const laptop = alice.client;
    const phone = await h.connect(server, alice, 'phone');
    const tablet = await h.connect(server, alice, 'tablet');

    await bob.client.send(text('alice', 'to every device'));

    for (const device of [laptop, phone, tablet]) {
      const push = await device.waitFor(match.push({ text: 'to every device' }));
      expect(push.stamp).toMatchObject({ seq: 1, pts: 1 });
      expect((await device.ping()).header.cmd).toBe(CmdType.PONG);
      expect(device.take(match.kick())).toEqual([]);
    }
  });

  it('does not kick the same deviceId of another user', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    const bobAgain = await h.connect(server, bob, 'default');
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
    expect(alice.client.take(match.kick())).toEqual([]);
    expect((await bob.client.waitForClose()).code).toBe(CloseCode.KICKED);
    expect(bobAgain.isOpen).toBe(true);
  });
});

describe('devices per user', () => {
  it('closes a connection over the cap with 4004; a reconnecting device and other users are not counted', async () => {
    // Given a server allowing 2 devices per user, and alice on her phone and laptop
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { maxDevicesPerUser: 2 });
    const laptop = await h.connect(server, alice, 'laptop');

    // When a third device connects
    const tablet = await h.connect(server, alice, 'tablet');

    // Then it is closed with 4004 and a reason that says what to do
    const closed = await tablet.waitForClose();
    expect(closed.code).toBe(CloseCode.TOO_MANY_DEVICES);
    expect(closed.reason).toMatch(/at most 2/);
    // ... the two devices she has keep working, and one of them may reconnect (it replaces itself)
    expect((await laptop.ping()).header.cmd).toBe(CmdType.PONG);
    const laptopAgain = await h.connect(server, alice, 'laptop');
    expect((await laptopAgain.ping()).header.cmd).toBe(CmdType.PONG);
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
    // ... and bob's devices are his own
    const bobLaptop = await h.connect(server, bob, 'laptop');
    expect((await bobLaptop.ping()).header.cmd).toBe(CmdType.PONG);
  });
});

describe('PING', () => {
  it('is answered with PONG echoing the reqId', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    const pong = await alice.client.request(CmdType.PING, {}, { header: { reqId: 'ping-42' } });

    expect(pong.header).toMatchObject({ version: PROTOCOL_VERSION, cmd: CmdType.PONG, reqId: 'ping-42' });
    expect(pong.content).toEqual({});
  });

  it('is answered with PONG without a reqId when the PING had none', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    await alice.client.raw(JSON.stringify({ header: { version: PROTOCOL_VERSION, cmd: CmdType.PING }, content: {} }));
    const pong = await alice.client.waitFor(match.cmd(CmdType.PONG));

    expect(pong.header).not.toHaveProperty('reqId');
  });

  it('answers many PINGs in the order they were sent', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    const pongs = await Promise.all(Array.from({ length: 50 }, (_, i) => alice.client.request(CmdType.PING, {}, { header: { reqId: `p${i}` } })));

    expect(pongs.map((p) => p.header.reqId)).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`));
    const order = alice.client.all.filter((r) => r.frame.header.cmd === CmdType.PONG).map((r) => r.frame.header.reqId);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`));
  });
});
