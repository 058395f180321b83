import type { ConvType } from '../../src/protocol/codes.js';
import type { GroupPolicy } from '../../src/protocol/frames.js';
import type { ConnectedUser, Harness, TestServer } from './server.js';

export interface GroupSetup<U extends string> {
  groupId: string;
  name: string;
  /** Creates the group. */
  owner: U;
  /** Members from the start (`members` of /group/create). */
  members?: readonly U[];
  /** Join through /group/join once it exists, in this order. */
  joined?: readonly U[];
  /** Registered and connected too, but not in the group. */
  outsiders?: readonly U[];
  policy?: GroupPolicy;
}

/**
 * A server with every user of `spec` registered and connected (owner, members, joined, outsiders,
 * in that order), and a group-backed conversation of `type` that the owner created; resolves with
 * the server and the users by userId.
 */
export async function setupGroup<const U extends string>(
  h: Harness,
  type: ConvType,
  spec: GroupSetup<U>,
): Promise<{ server: TestServer } & Record<U, ConnectedUser>> {
  const { groupId, name, owner, members, joined = [], outsiders = [], policy } = spec;
  const { server, users } = await h.setup([owner, ...(members ?? []), ...joined, ...outsiders]);
  await users[owner].http.groupCreate({
    groupId,
    type,
    name,
    ...(members ? { members: [...members] } : {}),
    ...(policy ? { policy } : {}),
  });
  for (const userId of joined) await users[userId].http.groupJoin(groupId);
  return { server, ...users };
}
