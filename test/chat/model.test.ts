import { describe, expect, it } from 'vitest';
import { conversationList, nextUnread, safePts, timelineView, totalUnread } from '../../src/chat/model/chat-selectors.js';
import { createChatState, reduce } from '../../src/chat/model/chat-state.js';
import type { ChatEvent, ChatState } from '../../src/chat/model/chat-types.js';
import { classifyPts } from '../../src/chat/model/pts-cursor.js';
import { CmdType, ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import type { ConversationSummary, PushFrame, ServerFrame } from '../../src/protocol/frames.js';

// ---- fixtures ----
export const ALICE = 'alice';
export const AB = 'single:alice:bob';

/** A PUSH-shaped frame; `pts` undefined models read diffusion. */
export function push(opts: {
  msgId: string;
  seq: number;
  pts?: number;
  from?: string;
  to?: string;
  convId?: string;
  convType?: ConvType;
  sendTime?: number;
  text?: string;
}): PushFrame {
  const stamp: PushFrame['stamp'] = {
    msgId: opts.msgId,
    convId: opts.convId ?? AB,
    seq: opts.seq,
    sendTime: opts.sendTime ?? 1000 + opts.seq,
  };
  if (opts.pts !== undefined) stamp.pts = opts.pts;
  return {
    header: { version: 1, cmd: CmdType.PUSH },
    route: { convType: opts.convType ?? ConvType.SINGLE, msgType: MsgType.TEXT, from: opts.from ?? 'bob', to: opts.to ?? ALICE },
    content: { text: opts.text ?? `m${opts.msgId}` },
    control: {},
    options: {},
    stamp,
  };
}

export const frame = (f: ServerFrame): ChatEvent => ({ type: 'frame', frame: f });

export function syncResp(messages: PushFrame[], maxPts: number, hasMore = false): ChatEvent {
  return frame({ header: { version: 1, cmd: CmdType.SYNC_RESP }, content: { messages, maxPts, hasMore } });
}

export function historyResp(messages: PushFrame[], hasMore: boolean): ChatEvent {
  return frame({ header: { version: 1, cmd: CmdType.HISTORY_RESP }, content: { messages, hasMore } });
}

export function sendAck(reqId: string, stamp: { msgId: string; seq?: number; pts?: number; convId?: string; sendTime?: number }): ChatEvent {
  const s: PushFrame['stamp'] = { msgId: stamp.msgId, convId: stamp.convId ?? AB, sendTime: stamp.sendTime ?? 5000 };
  if (stamp.seq !== undefined) s.seq = stamp.seq;
  if (stamp.pts !== undefined) s.pts = stamp.pts;
  return frame({ header: { version: 1, cmd: CmdType.SEND_ACK, reqId }, content: {}, stamp: s });
}

export function sent(reqId: string, text: string, sendTime = 4000): ChatEvent {
  return { type: 'sent', reqId, convId: AB, convType: ConvType.SINGLE, to: 'bob', msgType: MsgType.TEXT, content: { text }, sendTime };
}

export function summary(convId: string, over: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    convId,
    convType: ConvType.GROUP,
    target: convId.replace(/^group:/, ''),
    name: convId,
    maxSeq: 0,
    readSeq: 0,
    unread: 0,
    lastMessage: null,
    ...over,
  };
}

const run = (events: ChatEvent[], state: ChatState = createChatState(ALICE)): ChatState => events.reduce(reduce, state);
const seqs = (s: ChatState, convId = AB): (number | undefined)[] => (s.timelines[convId] ?? []).map((m) => m.seq);

describe('classifyPts', () => {
  it('calls pts ≤ cursor a duplicate, cursor+1 apply and beyond a gap', () => {
    expect(classifyPts(5, 4)).toBe('duplicate');
    expect(classifyPts(5, 5)).toBe('duplicate');
    expect(classifyPts(5, 6)).toBe('apply');
    expect(classifyPts(5, 9)).toBe('gap');
  });
});

describe('reduce: PUSH and the pts cursor', () => {
  it('applies the next pts and advances the cursor', () => {
    const s = run([frame(push({ msgId: '1', seq: 1, pts: 1 }))]);
    expect(s.pts).toBe(1);
    expect(s.gaps).toEqual([]);
    expect(seqs(s)).toEqual([1]);
    expect(s.conversations[AB]).toMatchObject({ target: 'bob', maxSeq: 1, readSeq: 0, unread: 1 });
  });

  it('ignores a PUSH whose pts was already seen, returning the same state', () => {
    const s1 = run([frame(push({ msgId: '1', seq: 1, pts: 1 }))]);
    const s2 = reduce(s1, frame(push({ msgId: '1', seq: 1, pts: 1 })));
    expect(s2).toBe(s1);
  });

  it('applies a PUSH past cursor+1 and records the missing range as a gap', () => {
    const s = run([frame(push({ msgId: '1', seq: 1, pts: 1 })), frame(push({ msgId: '5', seq: 5, pts: 5 }))]);
    expect(s.pts).toBe(5);
    expect(s.gaps).toEqual([{ from: 2, to: 4 }]);
    expect(safePts(s)).toBe(1);
    expect(seqs(s)).toEqual([1, 5]);
  });

  it('applies read-diffusion pushes (no pts) without touching the cursor', () => {
    const s = run([frame(push({ msgId: 'c1', seq: 7, convId: 'channel:news', convType: ConvType.CHANNEL, to: 'news' }))], createChatState(ALICE, 3));
    expect(s.pts).toBe(3);
    expect(s.conversations['channel:news']).toMatchObject({ target: 'news', maxSeq: 7, unread: 7 });
  });

  it('does not mutate the previous state', () => {
    const s0 = createChatState(ALICE);
    const snapshot = structuredClone(s0);
    run([frame(push({ msgId: '1', seq: 1, pts: 1 })), sent('r1', 'hi')], s0);
    expect(s0).toEqual(snapshot);
  });
});

describe('reduce: SYNC_RESP', () => {
  it('fills a gap, clears it and sets gapFilled for the status line', () => {
    const withGap = run([frame(push({ msgId: '1', seq: 1, pts: 1 })), frame(push({ msgId: '4', seq: 4, pts: 4 }))]);
    const s = run(
      [{ type: 'syncRequested', sincePts: safePts(withGap) }, syncResp([push({ msgId: '2', seq: 2, pts: 2 }), push({ msgId: '3', seq: 3, pts: 3 }), push({ msgId: '4', seq: 4, pts: 4 })], 4)],
      withGap,
    );
    expect(s.gaps).toEqual([]);
    expect(s.gapFilled).toEqual({ from: 2, to: 3, messages: 3 });
    expect(seqs(s)).toEqual([1, 2, 3, 4]);
    expect(s.pts).toBe(4);
    expect(reduce(s, { type: 'dismissGapNotice' }).gapFilled).toBeNull();
  });

  it('without a recorded sincePts still clears the pts the page carried', () => {
    const withGap = run([frame(push({ msgId: '3', seq: 3, pts: 3 }))]);
    const s = reduce(withGap, syncResp([push({ msgId: '1', seq: 1, pts: 1 })], 3, true));
    expect(s.gaps).toEqual([{ from: 2, to: 2 }]);
    expect(s.gapFilled).toEqual({ from: 1, to: 1, messages: 1 });
  });

  it('a catch-up SYNC with no gap advances the cursor to maxPts and sets no notice', () => {
    const s = run([{ type: 'syncRequested', sincePts: 0 }, syncResp([push({ msgId: '1', seq: 1, pts: 1 }), push({ msgId: '2', seq: 2, pts: 2 })], 2)]);
    expect(s.pts).toBe(2);
    expect(s.gapFilled).toBeNull();
    expect(s.syncSince).toBeNull();
  });

  it('a reconnect that caught up says so, unless it fetched nothing or a real gap notice is up', () => {
    const idle = createChatState(ALICE, 4);
    expect(reduce(idle, { type: 'caughtUp', from: 4, to: 4, messages: 0 }).gapFilled).toBeNull();
    expect(reduce(idle, { type: 'caughtUp', from: 4, to: 6, messages: 2 }).gapFilled).toEqual({ from: 5, to: 6, messages: 2 });
    const noticed = { ...idle, gapFilled: { from: 2, to: 3, messages: 1 } };
    expect(reduce(noticed, { type: 'caughtUp', from: 4, to: 6, messages: 2 }).gapFilled).toEqual({ from: 2, to: 3, messages: 1 });
  });

  it('keeps syncSince at the page end while hasMore, so the next page covers from there', () => {
    const s = run([{ type: 'syncRequested', sincePts: 0 }, syncResp([push({ msgId: '1', seq: 1, pts: 1 })], 9, true)]);
    expect(s.pts).toBe(1);
    expect(s.syncSince).toBe(1);
  });

  it('dedupes by msgId across PUSH and SYNC in either order', () => {
    const pushFirst = run([frame(push({ msgId: '1', seq: 1, pts: 1 })), syncResp([push({ msgId: '1', seq: 1, pts: 1 })], 1)]);
    const syncFirst = run([syncResp([push({ msgId: '1', seq: 1, pts: 1 })], 1), frame(push({ msgId: '1', seq: 1, pts: 1 }))]);
    for (const s of [pushFirst, syncFirst]) {
      expect(s.timelines[AB]).toHaveLength(1);
      expect(s.conversations[AB]?.unread).toBe(1);
    }
  });
});

describe('reduce: own sends', () => {
  it('shows a pending message, then SEND_ACK stamps it with msgId, seq and pts', () => {
    const pending = run([sent('r1', 'hi')]);
    expect(timelineView(pending, AB)).toEqual([expect.objectContaining({ msgId: 'pending:r1', status: 'pending', from: ALICE })]);

    const s = reduce(pending, sendAck('r1', { msgId: '900', seq: 1, pts: 1 }));
    expect(s.pending).toEqual({});
    expect(s.timelines[AB]).toEqual([expect.objectContaining({ msgId: '900', seq: 1, pts: 1, status: 'stored', content: { text: 'hi' } })]);
    expect(s.pts).toBe(1);
  });

  it('own messages do not count as unread and mark earlier ones read (§6.5)', () => {
    const s = run([frame(push({ msgId: '1', seq: 1, pts: 1 })), frame(push({ msgId: '2', seq: 2, pts: 2 })), sent('r1', 'hi'), sendAck('r1', { msgId: '3', seq: 3, pts: 3 })]);
    expect(s.conversations[AB]).toMatchObject({ maxSeq: 3, readSeq: 3, unread: 0 });
  });

  it('a message from another own device (PUSH from self) also marks the conversation read', () => {
    const s = run([frame(push({ msgId: '1', seq: 1, pts: 1 })), frame(push({ msgId: '2', seq: 2, pts: 2, from: ALICE, to: 'bob' }))]);
    expect(s.conversations[AB]).toMatchObject({ target: 'bob', unread: 0, readSeq: 2 });
  });

  it('an ERROR echoing the reqId marks the pending send failed', () => {
    const err = frame({ header: { version: 1, cmd: CmdType.ERROR, reqId: 'r1' }, content: { code: ErrorCode.NOT_FRIENDS, message: 'not friends' } });
    const s = run([sent('r1', 'hi'), err]);
    expect(s.pending['r1']).toMatchObject({ status: 'failed', error: { code: ErrorCode.NOT_FRIENDS } });
    expect(s.lastError).toBeNull();
  });

  it('a transient ack (no seq) drops the pending entry without storing it', () => {
    const s = run([sent('r1', 'typing'), sendAck('r1', { msgId: '77' })]);
    expect(s.pending).toEqual({});
    expect(s.timelines[AB]).toBeUndefined();
  });
});

describe('reduce: reads and unread math', () => {
  const three = [1, 2, 3].map((n) => frame(push({ msgId: String(n), seq: n, pts: n })));

  it('READ_ACK raises readSeq and recomputes unread, never negative', () => {
    const ack = (readSeq: number): ChatEvent => frame({ header: { version: 1, cmd: CmdType.READ_ACK }, content: { convId: AB, readSeq, unread: 0 } });
    expect(run([...three, ack(2)]).conversations[AB]).toMatchObject({ readSeq: 2, unread: 1 });
    expect(run([...three, ack(3), ack(1)]).conversations[AB]).toMatchObject({ readSeq: 3, unread: 0 });
  });

  it('READ_NOTIFY from the peer sets peerReadSeq; from self (another device) sets readSeq', () => {
    const notify = (userId: string, readSeq: number): ChatEvent =>
      frame({ header: { version: 1, cmd: CmdType.READ_NOTIFY }, content: { convId: AB, userId, readSeq } });
    const s = run([...three, notify('bob', 2), notify(ALICE, 3)]);
    expect(s.conversations[AB]).toMatchObject({ peerReadSeq: 2, readSeq: 3, unread: 0 });
  });

  it('exposes plain numbers above 99 (99+ is the view’s concern)', () => {
    const s = run([{ type: 'conversations', list: [summary('group:g', { maxSeq: 250, readSeq: 10 })] }]);
    expect(s.conversations['group:g']?.unread).toBe(240);
    expect(totalUnread(s)).toBe(240);
  });
});

describe('reduce: conversation list, history, selection', () => {
  it('merges /conversation/list without lowering counters the session already has', () => {
    const live = run([frame(push({ msgId: '1', seq: 1, pts: 1 })), frame(push({ msgId: '2', seq: 2, pts: 2 }))]);
    const s = reduce(live, { type: 'conversations', list: [summary(AB, { convType: ConvType.SINGLE, target: 'bob', name: 'Bob', maxSeq: 1, readSeq: 0 })] });
    expect(s.conversations[AB]).toMatchObject({ name: 'Bob', maxSeq: 2, unread: 2 });
    expect(s.conversations[AB]?.lastMessage?.msgId).toBe('2');
  });

  it('orders the list by last activity and finds the next unread after the selection', () => {
    const s = run([
      { type: 'conversations', list: [
        summary('group:a', { maxSeq: 1, lastMessage: push({ msgId: 'a', seq: 1, convId: 'group:a', sendTime: 100 }) }),
        summary('group:b', { maxSeq: 0 }),
        summary('group:c', { maxSeq: 4, readSeq: 1, lastMessage: push({ msgId: 'c', seq: 4, convId: 'group:c', sendTime: 300 }) }),
      ] },
    ]);
    expect(conversationList(s).map((c) => c.convId)).toEqual(['group:c', 'group:a', 'group:b']);
    expect(nextUnread(s)).toBe('group:c');
    expect(nextUnread(reduce(s, { type: 'select', convId: 'group:c' }))).toBe('group:a');
    expect(nextUnread(reduce(s, { type: 'select', convId: 'group:a' }))).toBe('group:c');
    expect(nextUnread(createChatState(ALICE))).toBeNull();
  });

  it('merges HISTORY_RESP pages of older messages in seq order, deduped', () => {
    const latest = run([frame(push({ msgId: '9', seq: 9, pts: 1 })), frame(push({ msgId: '10', seq: 10, pts: 2 }))]);
    const s = run(
      [
        historyResp([7, 8, 9].map((n) => push({ msgId: String(n), seq: n })), true),
        historyResp([5, 6].map((n) => push({ msgId: String(n), seq: n })), false),
      ],
      latest,
    );
    expect(seqs(s)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(s.conversations[AB]).toMatchObject({ hasMoreHistory: false, maxSeq: 10 });
    expect(s.pts).toBe(2);
    // a HISTORY copy (no pts) of a message already held keeps the pts the PUSH brought
    expect(s.timelines[AB]?.find((m) => m.msgId === '9')?.pts).toBe(1);
  });

  it('a message HISTORY stored first (no pts) takes the pts of a later SYNC or PUSH copy', () => {
    const page = historyResp([push({ msgId: '1', seq: 1 }), push({ msgId: '2', seq: 2 })], false);
    const viaSync = run([page, { type: 'syncRequested', sincePts: 0 }, syncResp([push({ msgId: '1', seq: 1, pts: 1 }), push({ msgId: '2', seq: 2, pts: 2 })], 2)]);
    const viaPush = run([page, frame(push({ msgId: '2', seq: 2, pts: 1 }))]);
    expect(viaSync.timelines[AB]?.map((m) => [m.msgId, m.pts])).toEqual([['1', 1], ['2', 2]]);
    expect(viaPush.timelines[AB]?.map((m) => [m.msgId, m.pts])).toEqual([['1', undefined], ['2', 1]]);
    expect(viaSync.conversations[AB]?.unread).toBe(2);
  });
});

describe('reduce: connection', () => {
  it('tracks connection state, RTT and KICK', () => {
    const s = run([
      { type: 'connection', state: { kind: 'reconnecting', attempt: 2, nextInMs: 1000 } },
      { type: 'rtt', ms: 12 },
      frame({ header: { version: 1, cmd: CmdType.KICK }, content: { reason: 'replaced' } }),
    ]);
    expect(s.connection).toEqual({ kind: 'kicked', reason: 'replaced' });
    expect(s.rttMs).toBe(12);
  });
});
