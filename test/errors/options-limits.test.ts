import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { DEFAULT_MAX_OPTIONS_BYTES } from '../../src/protocol/limits.js';
import { groupText } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

/**
 * `options` is passed on to every recipient, so it must not escape the limits content has: a
 * 900 KB `options` on a tiny message used to be acked and fanned out to a whole group.
 */
describe('SEND options', () => {
  const h = useHarness();

  async function group() {
    const { users } = await h.setup(['alice', 'bob', 'carol']);
    await users.alice.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob', 'carol'] });
    return users;
  }

  it('over the options limit are refused with 1002, and nothing is stored or pushed', async () => {
    const { alice, bob } = await group();

    const pad = 'x'.repeat(900_000);
    const refusal = await alice.client.send({ ...groupText('team', 'tiny'), options: { pad } }).catch((e: unknown) => e);

    expect((refusal as { code?: number }).code).toBe(ErrorCode.CONTENT_TOO_LARGE);
    const ack = await alice.client.send(groupText('team', 'after'));
    expect(ack.stamp.seq).toBe(1);
    // The first push bob gets is the message after the refused one: nothing was fanned out.
    const push = await bob.client.waitFor(match.push());
    expect(push.content).toEqual({ text: 'after' });
  });

  it('up to the limit are passed on in the live PUSH', async () => {
    const { alice, bob } = await group();
    // {"pad":"…"} is 10 bytes of JSON around the string
    const options = { pad: 'y'.repeat(DEFAULT_MAX_OPTIONS_BYTES - 10) };

    await alice.client.send({ ...groupText('team', 'with options'), options });

    const push = await bob.client.waitFor(match.push({ text: 'with options' }));
    expect(push.options).toEqual(options);
  });

  it('one byte over the limit is refused', async () => {
    const { alice } = await group();
    const options = { pad: 'y'.repeat(DEFAULT_MAX_OPTIONS_BYTES - 9) };

    const refusal = await alice.client.send({ ...groupText('team', 'x'), options }).catch((e: unknown) => e);

    expect((refusal as { code?: number }).code).toBe(ErrorCode.CONTENT_TOO_LARGE);
  });
});
