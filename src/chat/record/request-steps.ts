import { CmdType } from '../../protocol/codes.js';
import type { PushFrame, ServerFrame } from '../../protocol/frames.js';
import type { Literals } from './literal-values.js';
import { type Json, type StepDoc } from './recording-types.js';
import { lazySave, type Captures, type SentMessage } from './volatile-fields.js';
import { errorLabel, splitConvId } from './wire-names.js';

/**
 * READ, SYNC and HISTORY replayed against a fresh server. The recording server may hold older
 * messages (and a different pts and seq numbering), so positions are translated: a recorded seq
 * or pts becomes the template of the nearest message this session sent at or below it, and a
 * page's expectation lists only this session's messages — exactly what the fresh server returns —
 * whenever that list can be known (every message of the page was sent in the session, or the
 * page was the last one).
 */
export interface BuildContext {
  captures: Captures;
  literals: Literals;
  actor(user: string, device: string): string;
  /** Conversations the replay's server knows at this point (a READ or HISTORY of others fails). */
  convExists(convId: string): boolean;
}

/** Which reads the replay makes, so that a READ_NOTIFY they cause can be expected. */
export type ReadLog = Set<string>;
export const readKey = (reader: string, convId: string, msgId: string): string => `${reader}\n${convId}\n${msgId}`;

interface Request {
  user: string;
  device: string;
  content: Json;
  /** The reply frame, if one came. */
  reply: ServerFrame | undefined;
}

const errorOf = (reply: ServerFrame | undefined): unknown =>
  reply?.header.cmd === CmdType.ERROR ? (reply.content as { code?: unknown }).code : undefined;

const seqOf = (m: SentMessage): string => `{{${m.save}.seq}}`;
const msgIdOf = (m: SentMessage): string => `{{${m.save}.msgId}}`;

/** The conv: value, a template where one exists. */
function conv(convId: string, ctx: BuildContext): string {
  const value = ctx.captures.conv(convId);
  return value === convId ? ctx.literals.text(convId) : value;
}

export function readStep(req: Request, ctx: BuildContext, reads: ReadLog): StepDoc | undefined {
  const { convId, seq } = req.content;
  if (typeof convId !== 'string' || typeof seq !== 'number') return undefined;
  const user = ctx.actor(req.user, req.device);
  const code = errorOf(req.reply);
  if (code !== undefined) return { read: { user, conv: conv(convId, ctx), seq, expect_error: errorLabel(code) } };
  if (req.reply === undefined || !ctx.convExists(convId)) return undefined;
  // Reading up to seq covers exactly the session's messages at or below it.
  const target = ctx.captures.stored(convId).filter((m) => (m.seq ?? Infinity) <= seq).at(-1);
  if (!target) return undefined;
  const readSeq = (req.reply.content as { readSeq?: unknown }).readSeq;
  reads.add(readKey(req.user, convId, target.msgId));
  return { read: { user, conv: conv(convId, ctx), seq: seqOf(target), ...(readSeq === target.seq ? { expect: { readSeq: seqOf(target) } } : {}) } };
}

/** A READ_NOTIFY the replay will send too: the read that caused it is one of its steps. */
export function readNotifyStep(user: string, device: string, content: Json, ctx: BuildContext, reads: ReadLog): StepDoc | undefined {
  const { convId, userId, readSeq } = content;
  if (typeof convId !== 'string' || typeof userId !== 'string') return undefined;
  const target = ctx.captures.stored(convId).find((m) => m.seq === readSeq);
  if (!target || !reads.has(readKey(userId, convId, target.msgId))) return undefined;
  const frame = { cmd: 'READ_NOTIFY', content: { convId: conv(convId, ctx), userId, readSeq: seqOf(target) } };
  return { expect: { user: ctx.actor(user, device), frame } };
}

/** The session's messages of a recorded page, in the replay's order; undefined when unknowable. */
function replayPage(messages: readonly PushFrame[], hasMore: boolean, exactOrder: boolean, ctx: BuildContext): { page: SentMessage[]; recorded: PushFrame[] } | undefined {
  const known = messages.filter((m) => ctx.captures.message(m.stamp.msgId) !== undefined);
  if (hasMore && (known.length < messages.length || !exactOrder)) return undefined;
  const seen = new Set<string>();
  const pairs = known
    .map((m) => ({ sent: ctx.captures.message(m.stamp.msgId) as SentMessage, frame: m }))
    .filter(({ sent }) => !seen.has(sent.msgId) && seen.add(sent.msgId))
    .sort((a, b) => a.sent.order - b.sent.order);
  return { page: pairs.map((p) => p.sent), recorded: pairs.map((p) => p.frame) };
}

export function syncStep(req: Request, ctx: BuildContext): StepDoc {
  const { sincePts, limit } = req.content;
  const from = typeof sincePts === 'number' ? ctx.captures.ptsAtOrBelow(req.user, sincePts) : undefined;
  const body: Json = { user: ctx.actor(req.user, req.device), since: from ? from.ref() : 0, ...(typeof limit === 'number' ? { limit } : {}), all: false };
  const step: StepDoc = { sync: body };
  const code = errorOf(req.reply);
  if (code !== undefined) body.expect_error = errorLabel(code);
  if (req.reply?.header.cmd !== CmdType.SYNC_RESP) return step;
  const { messages, hasMore, maxPts } = req.reply.content as { messages: PushFrame[]; hasMore: boolean; maxPts: number };
  const mapped = replayPage(messages, hasMore, true, ctx);
  if (!mapped) return step;
  // maxPts only when an earlier step saw that pts: the step's own result is not yet saved when it is checked.
  const newest = ctx.captures.ptsExactly(req.user, maxPts);
  body.expect = { messages: mapped.page.map((m) => ({ stamp: { msgId: msgIdOf(m) } })), ...(newest ? { maxPts: newest.ref() } : {}), hasMore };
  mapped.page.forEach((m, i) => {
    ctx.captures.addPts(req.user, mapped.recorded[i]?.stamp.pts, m.msgId, lazySave(step, ctx.captures, 's', `messages[${i}].stamp.pts`));
  });
  return step;
}

export function historyStep(req: Request, ctx: BuildContext): StepDoc | undefined {
  const { convId, afterSeq, beforeSeq, limit } = req.content;
  if (typeof convId !== 'string' || !splitConvId(convId)) return undefined;
  const user = ctx.actor(req.user, req.device);
  const code = errorOf(req.reply);
  if (code !== undefined) return { history: { user, conv: conv(convId, ctx), expect_error: errorLabel(code) } };
  if (req.reply?.header.cmd !== CmdType.HISTORY_RESP || !ctx.convExists(convId)) return undefined;
  const stored = ctx.captures.stored(convId);
  const body: Json = { user, conv: conv(convId, ctx) };
  if (typeof afterSeq === 'number') {
    const after = stored.filter((m) => (m.seq ?? Infinity) <= afterSeq).at(-1);
    body.after_seq = after ? seqOf(after) : 0;
  }
  let sameDirection = true;
  if (typeof beforeSeq === 'number') {
    const before = stored.find((m) => (m.seq ?? -1) >= beforeSeq);
    if (before) body.before_seq = seqOf(before);
    // Without its upper bound a window is read forwards, not backwards: a truncated page may differ.
    else sameDirection = afterSeq === undefined;
  }
  if (typeof limit === 'number') body.limit = limit;
  const { messages, hasMore } = req.reply.content as { messages: PushFrame[]; hasMore: boolean };
  const mapped = replayPage(messages, hasMore, sameDirection, ctx);
  if (mapped) body.expect = { messages: mapped.page.map((m) => ({ stamp: { msgId: msgIdOf(m), seq: seqOf(m) } })), hasMore };
  return { history: body };
}
