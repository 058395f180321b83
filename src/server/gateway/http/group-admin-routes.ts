import { z } from 'zod';
import type { Groups } from '../../domain/groups.js';
import { idField, idList, parseInput } from './body.js';
import { post, type Endpoint } from './endpoint.js';

const membersBody = z.object({ groupId: idField, members: idList });
const roleBody = z.object({ groupId: idField, userId: idField, role: z.enum(['admin', 'member']) });
const muteBody = z.object({ groupId: idField, userId: idField, muted: z.boolean() });

/** §2 /group/add-members, remove-members, set-role, mute: what owners and admins do. The rules live in domain/groups.ts. */
export function groupAdminRoutes({ groups }: { groups: Groups }): Endpoint[] {
  return [
    post('/group/add-members', 'user', async (input, caller) => {
      const { groupId, members } = parseInput(membersBody, input);
      return { added: await groups.addMembers(caller, groupId, members) };
    }),
    post('/group/remove-members', 'user', async (input, caller) => {
      const { groupId, members } = parseInput(membersBody, input);
      return { removed: await groups.removeMembers(caller, groupId, members) };
    }),
    post('/group/set-role', 'user', async (input, caller) => {
      const { groupId, userId, role } = parseInput(roleBody, input);
      return groups.setRole(caller, groupId, userId, role);
    }),
    post('/group/mute', 'user', async (input, caller) => {
      const { groupId, userId, muted } = parseInput(muteBody, input);
      return groups.mute(caller, groupId, userId, muted);
    }),
  ];
}
