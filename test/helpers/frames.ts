import type { ImClient } from '../../src/client/im-client.js';
import { isFrame, type FrameMatcher, type FrameOf, type FramePredicate } from '../../src/client/match.js';
import { CmdType } from '../../src/protocol/codes.js';
import type { PushFrame, SendAckFrame, ServerFrame } from '../../src/protocol/frames.js';

/**
 * Reading what a client received (`client.all`, the log of every frame, replies included) and
 * waiting for more of it by the client's 'frame' event — never by a sleep.
 */

/** Every frame with command `cmd` that `client` received, in arrival order. */
export const framesOf = <C extends CmdType>(client: ImClient, cmd: C): FrameOf<C>[] =>
  client.all.flatMap(({ frame }) => (isFrame(frame, cmd) ? [frame] : []));

/** Every PUSH that `client` received, in arrival order. */
export const pushesOf = (client: ImClient): PushFrame[] => framesOf(client, CmdType.PUSH);

/** A SEND_ACK or a PUSH: the frames that carry a pts of the device's user. */
export const carriesPts = Object.assign(
  (frame: ServerFrame): frame is PushFrame | SendAckFrame => isFrame(frame, CmdType.PUSH) || isFrame(frame, CmdType.SEND_ACK),
  { label: 'SEND_ACK or PUSH' },
) satisfies FrameMatcher<PushFrame | SendAckFrame>;

/** Every SEND_ACK and PUSH that `client` received, in arrival order. */
export const ptsFramesOf = (client: ImClient): (PushFrame | SendAckFrame)[] =>
  client.all.flatMap(({ frame }) => (carriesPts(frame) ? [frame] : []));

/** The pts of every SEND_ACK and PUSH this device received, in arrival order. */
export const ptsSeenBy = (client: ImClient): (number | undefined)[] => ptsFramesOf(client).map((frame) => frame.stamp.pts);

/**
 * Resolves once `client` has received `n` frames that `predicate` accepts (counted over `client.all`,
 * so frames that came before the call count too), re-checking on each 'frame' event. Replies to
 * requests (SEND_ACK among them) raise no 'frame' event: count them only once they are in.
 * Rejects after `timeoutMs`, saying how many it saw.
 */
export function untilFrames(client: ImClient, predicate: FramePredicate, n: number, timeoutMs = 10_000): Promise<void> {
  const seen = (): number => client.all.filter(({ frame }) => predicate(frame)).length;
  const what = 'label' in predicate && typeof predicate.label === 'string' ? predicate.label : predicate.name || 'matching';
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (seen() < n) return;
      stop();
      resolve();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${client.userId}/${client.deviceId}: ${seen()} of ${n} ${what} frames after ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on('frame', check);
    const stop = (): void => {
      clearTimeout(timer);
      off();
    };
    check();
  });
}

/** Resolves with the next unsolicited frame: the event, not a sleep, says it has arrived. */
export const nextFrame = (client: ImClient): Promise<ServerFrame> => new Promise<ServerFrame>((resolve) => client.once('frame', resolve));

/** Every message of a conversation, by HISTORY pages of `limit` after seq 0 until no `hasMore`. */
export async function historyAll(client: ImClient, convId: string, limit = 100): Promise<PushFrame[]> {
  const messages: PushFrame[] = [];
  for (let after = 0; ; ) {
    const { content } = await client.history({ convId, afterSeq: after, limit });
    messages.push(...content.messages);
    if (!content.hasMore) return messages;
    after = content.messages.at(-1)!.stamp.seq!;
  }
}

/** `from`, `from + 1`, …, `to` (inclusive). */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A sorted copy of seqs or pts (which the types allow to be undefined). */
export const sortedNumbers = (values: (number | undefined)[]): (number | undefined)[] => [...values].sort((x, y) => x! - y!);
