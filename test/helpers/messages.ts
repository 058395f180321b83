import type { SendRequest } from '../../src/client/types.js';
import { ConvType, MsgType } from '../../src/protocol/codes.js';
import type { Control } from '../../src/protocol/frames.js';

/**
 * SEND requests for tests, one builder per conversation type. Each omits `control` unless one is
 * given, so the frame on the wire is exactly what a hand-written literal would have been.
 *
 *   await alice.client.send(text('bob', 'hi'));                          // SINGLE
 *   await alice.client.send(text('bob', 'hi', { clientMsgId: 'c-1' }));  // with a control
 *   await alice.client.send(groupText('team', 'hi all'));                // GROUP
 *   const say = textTo(ConvType.CHATROOM, 'lobby');                      // one conversation's builder
 */

/** A TEXT message of any conversation type; `to` is the peer's userId or the groupId. */
export function textSend(convType: ConvType, to: string, body: string, control?: Control): SendRequest {
  return { convType, msgType: MsgType.TEXT, to, content: { text: body }, ...(control ? { control } : {}) };
}

/** A builder of TEXT messages to one conversation, e.g. `const say = textTo(ConvType.GROUP, 'team')`. */
export const textTo =
  (convType: ConvType, to: string) =>
  (body: string, control?: Control): SendRequest =>
    textSend(convType, to, body, control);

/** SINGLE (1): a TEXT to the friend `to`. */
export const text = (to: string, body: string, control?: Control): SendRequest => textSend(ConvType.SINGLE, to, body, control);

/** GROUP (2): a TEXT to the group `groupId`. */
export const groupText = (groupId: string, body: string, control?: Control): SendRequest =>
  textSend(ConvType.GROUP, groupId, body, control);

/** SYSTEM_CONVERSATION (6): a TEXT to the system conversation of `to` (which users may not write to). */
export const systemText = (to: string, body: string): SendRequest => textSend(ConvType.SYSTEM_CONVERSATION, to, body);

/** STRANGER_CHAT (8): a TEXT to `to`, friend or not. */
export const strangerText = (to: string, body: string): SendRequest => textSend(ConvType.STRANGER_CHAT, to, body);

/** A TYPING indicator (msgType 20, no content); `persist`, when given, is sent as `control.persist`. */
export const typing = (to: string, convType: ConvType = ConvType.SINGLE, persist?: boolean): SendRequest => ({
  convType,
  msgType: MsgType.TYPING,
  to,
  content: {},
  ...(persist === undefined ? {} : { control: { persist } }),
});

/** A SINGLE TEXT sent with `control.persist=false`: transient, never stored. */
export const ephemeral = (to: string, body: string): SendRequest => text(to, body, { persist: false });
