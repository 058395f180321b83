import { describe, expect, it } from 'vitest';
import { ConvType, ErrorCode, GROUP_CONV_TYPES, convTypeName } from '../../src/protocol/codes.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { textSend } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

const h = useHarness();

/** One group of each group-backed type, all owned by alice (its groupId is its type's name). */
async function setupAllTypes() {
  const { server, users } = await h.setup(['alice']);
  for (const type of GROUP_CONV_TYPES) {
    await users.alice.http.groupCreate({ groupId: convTypeName(type).toLowerCase(), type, name: convTypeName(type) });
  }
  return { server, ...users };
}

describe('the conversation a SEND names must exist with that type', () => {
  const mismatches = GROUP_CONV_TYPES.flatMap((actual) =>
    GROUP_CONV_TYPES.filter((claimed) => claimed !== actual).map((claimed) => [convTypeName(claimed), convTypeName(actual), claimed, actual] as const),
  );

  it.each(mismatches)(
    'refuses route.convType %s for a groupId that is a %s with CONVERSATION_NOT_FOUND (3008), even for its owner',
    async (_claimedName, actualName, claimed, actual) => {
      const { alice } = await setupAllTypes();

      await expect(alice.client.send(textSend(claimed, actualName.toLowerCase(), 'hello'))).rejects.toMatchObject({
        code: ErrorCode.CONVERSATION_NOT_FOUND,
      });

      const history = await alice.client.history({ convId: groupConvId(actual, actualName.toLowerCase()) });
      expect(history.content.messages).toEqual([]);
    },
  );

  it.each(GROUP_CONV_TYPES.map((type) => [convTypeName(type), type] as const))(
    'refuses a %s groupId that does not exist with CONVERSATION_NOT_FOUND (3008)',
    async (_name, type) => {
      const { server, users: { alice } } = await h.setup(['alice']);

      await expect(alice.client.send(textSend(type, 'no-such-group', 'hello'))).rejects.toMatchObject({ code: ErrorCode.CONVERSATION_NOT_FOUND });

      await expect(server.http.withToken(alice.token).groupInfo('no-such-group')).rejects.toMatchObject({
        code: ErrorCode.CONVERSATION_NOT_FOUND,
        status: 404,
      });
    },
  );

  it('accepts the same groupId once route.convType matches its type', async () => {
    const { alice } = await setupAllTypes();

    const ack = await alice.client.send(textSend(ConvType.GROUP, 'group', 'hello'));

    expect(ack.stamp).toMatchObject({ convId: groupConvId(ConvType.GROUP, 'group'), seq: 1 });
  });

  it('refuses READ and HISTORY of a group convId that does not exist with CONVERSATION_NOT_FOUND (3008)', async () => {
    const { alice } = await setupAllTypes();

    await expect(alice.client.history({ convId: 'group:no-such-group' })).rejects.toMatchObject({ code: ErrorCode.CONVERSATION_NOT_FOUND });
    await expect(alice.client.read('mgroup:no-such-group', 1)).rejects.toMatchObject({ code: ErrorCode.CONVERSATION_NOT_FOUND });
    // the group exists, but as a CHATROOM, not a GROUP
    await expect(alice.client.history({ convId: 'group:chatroom' })).rejects.toMatchObject({ code: ErrorCode.CONVERSATION_NOT_FOUND });
  });
});
