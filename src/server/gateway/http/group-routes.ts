import { z } from 'zod';
import { ConvType } from '../../../protocol/codes.js';
import type { Groups } from '../../domain/groups.js';
import { MAX_MEMBERS_PER_CALL, groupRef, idField, parseInput } from './body.js';
import { get, post, type Endpoint } from './endpoint.js';

const createBody = z.object({
  groupId: idField.optional(),
  type: z.literal(
    [ConvType.GROUP, ConvType.CHATROOM, ConvType.CHANNEL, ConvType.MILLION_GROUP, ConvType.CUSTOM_CONVERSATION],
    'must be one of 2, 3, 4, 5, 7',
  ),
  name: z.string().min(1).max(128),
  // `members` is optional (§2), so an empty list means the same as none.
  members: z.array(idField).max(MAX_MEMBERS_PER_CALL).optional(),
  policy: z.enum(['members', 'open', 'owner']).optional(),
});

/** §2 /group/create, info, join, leave, members: what any user does with a group. The rules live in domain/groups.ts. */
export function groupRoutes({ groups }: { groups: Groups }): Endpoint[] {
  const groupId = (input: unknown) => parseInput(groupRef, input).groupId;
  return [
    post('/group/create', 'user', async (input, caller) => groups.create(caller, parseInput(createBody, input))),
    get('/group/info', 'user', async (input) => groups.info(groupId(input))),
    post('/group/join', 'user', async (input, caller) => groups.join(caller, groupId(input))),
    post('/group/leave', 'user', async (input, caller) => {
      await groups.leave(caller, groupId(input));
      return {};
    }),
    get('/group/members', 'user', async (input, caller) => ({ members: await groups.members(caller, groupId(input)) })),
  ];
}
