import type { MessageStore } from '../../store/message-store.js';
import { get, type Endpoint } from './endpoint.js';

/** §2 /conversation/list: the caller's conversations, most recent activity first. */
export function conversationRoutes({ store }: { store: Pick<MessageStore, 'listConversations'> }): Endpoint[] {
  return [get('/conversation/list', 'user', async (_input, caller) => ({ conversations: await store.listConversations(caller) }))];
}
