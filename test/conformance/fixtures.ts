import { afterEach, beforeEach } from 'vitest';
import { ConvType, MsgType } from '../../src/protocol/codes.js';
import type { Content } from '../../src/protocol/frames.js';
import { groupConvId, pairConvId, systemConvId } from '../../src/protocol/ids.js';
import { Snowflake } from '../../src/server/snowflake.js';
import type { MessageStore, NewGroup, NewMessage } from '../../src/server/store/message-store.js';

export type StoreFactory = () => Promise<MessageStore> | MessageStore;

/** A fresh store for each test, closed after it. */
export function useStore(factory: StoreFactory): () => MessageStore {
  let current: MessageStore | undefined;
  beforeEach(async () => {
    current = await factory();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('the store is only available inside a test');
    return current;
  };
}

const ids = new Snowflake(7);
/** Message times: increasing and ahead of the clock, so "most recent first" is well defined. */
let clock = Date.now();
export const nextTime = (): number => (clock += 1000);

export interface MessageOptions {
  clientMsgId?: string;
  content?: Content;
  msgId?: string;
  sendTime?: number;
  /** false: the sender gets no inbox row (control.sync=false). */
  sync?: boolean;
}

function base(o: MessageOptions): Pick<NewMessage, 'msgId' | 'msgType' | 'content' | 'sendTime'> & { clientMsgId?: string } {
  const m = {
    msgId: o.msgId ?? ids.next(),
    msgType: MsgType.TEXT,
    content: o.content ?? { text: 'hello' },
    sendTime: o.sendTime ?? nextTime(),
  };
  return o.clientMsgId === undefined ? m : { ...m, clientMsgId: o.clientMsgId };
}

/** A SINGLE (or STRANGER) message as the pipeline hands it to the store. */
export function pairMessage(
  from: string,
  to: string,
  o: MessageOptions & { convType?: typeof ConvType.SINGLE | typeof ConvType.STRANGER_CHAT } = {},
): NewMessage {
  const convType = o.convType ?? ConvType.SINGLE;
  return {
    ...base(o),
    convId: pairConvId(convType, from, to),
    convType,
    from,
    to,
    inboxUsers: o.sync === false ? [to] : [to, from],
    participants: [from, to],
  };
}

export function systemMessage(to: string, o: MessageOptions = {}): NewMessage {
  return {
    ...base({ content: { text: 'welcome' }, ...o }),
    msgType: MsgType.SYSTEM,
    convId: systemConvId(to),
    convType: ConvType.SYSTEM_CONVERSATION,
    from: 'system',
    to,
    inboxUsers: [to],
    participants: [to],
  };
}

export interface TestGroup extends NewGroup {
  /** Everyone in it, owner first. */
  all: string[];
}

export function newGroup(groupId: string, owner: string, members: string[], type: ConvType = ConvType.GROUP): TestGroup {
  return { groupId, convId: groupConvId(type, groupId), type, name: `The ${groupId}`, owner, members, all: [owner, ...members] };
}

/** A group message: write diffusion to `inboxUsers` (all members), none for read-diffusion types. */
export function groupMessage(group: TestGroup, from: string, inboxUsers: readonly string[], o: MessageOptions = {}): NewMessage {
  return { ...base(o), convId: group.convId, convType: group.type, from, to: group.groupId, inboxUsers, participants: [] };
}

export function user(userId: string, nickname = `${userId} nick`) {
  return { userId, nickname, passwordHash: `scrypt$${userId}` };
}
