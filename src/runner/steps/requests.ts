import type { ImClient } from '../../client/im-client.js';
import { isImRequestError } from '../../client/errors.js';
import { CmdType, errorName } from '../../protocol/codes.js';
import type { Content, PushFrame, ServerFrame } from '../../protocol/frames.js';
import type { Device } from '../actors.js';
import { diff, diffLine } from '../diff.js';
import { compare, displayMatcher, normalizeMatcher } from '../match.js';
import type { Matcher, Step } from '../types.js';
import { actorRef, compact, numberOf, resolve, StepFailed, timeoutOf, type Handler, type StepContext } from './context.js';

/**
 * read / sync / history: a request, its reply, and an optional partial match on the reply's
 * content (`expect`) or an expected error code (`expectError`).
 */

/** The reply's content (pages joined, for SYNC with `all`) and the last reply frame. */
interface Reply {
  content: Content;
  frame: ServerFrame;
}

interface RequestStep {
  expect?: Matcher;
  expectError?: number;
  save?: string;
}

const codeText = (code: number): string => `ERROR ${errorName(code)} (${code})`;

/** Runs `call`; checks expectError / expect; saves the content. */
async function exchange(
  step: RequestStep & Step,
  ctx: StepContext,
  describe: string,
  call: (client: ImClient, device: Device, timeoutMs: number) => Promise<Reply>,
  actor: string,
): Promise<void> {
  const { device, client } = ctx.run.actors.client(actorRef(actor, ctx));
  const matcher = step.expect === undefined ? undefined : normalizeMatcher(ctx.run.ids.deep(resolve(step.expect, ctx)));
  const expected = step.expectError !== undefined ? codeText(step.expectError) : matcher !== undefined ? `${describe} ${compact(displayMatcher(matcher))}` : describe;
  const fail = (reason: string) => new StepFailed(reason, { expected, actor: device.label });
  let reply: Reply;
  try {
    reply = await call(client, device, timeoutOf(step, ctx.run));
  } catch (e) {
    if (isImRequestError(e) && e.code === step.expectError) {
      if (step.save !== undefined) ctx.run.templates.saved.set(step.save, { error: e.code });
      return;
    }
    if (isImRequestError(e)) throw fail(`the server answered ${codeText(e.code)}: ${e.serverMessage}`);
    throw e instanceof StepFailed ? e : fail(`${device.label}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { content, frame } = reply;
  if (step.expectError !== undefined) throw fail(`expected ${codeText(step.expectError)}, got ${compact(content).slice(0, 200)}`);
  // Compared under `content`, so every path and note names the field as the reply frame has it.
  const mismatches = matcher === undefined ? [] : compare({ content }, { content: matcher }).mismatches;
  if (matcher !== undefined && mismatches.length > 0) {
    const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more)` : '';
    const closest = { frame, diff: diff({ content }, { content: matcher }) };
    throw new StepFailed(`the reply does not match: ${diffLine(mismatches[0]!)}${more}`, { expected, actor: device.label, closest });
  }
  if (step.save !== undefined) ctx.run.templates.saved.set(step.save, content);
}

function expectReply(frame: ServerFrame, cmd: number, what: string): Reply {
  if (frame.header.cmd !== cmd) throw new StepFailed(`${what} was answered with ${compact(frame)}`);
  return { content: frame.content as Content, frame };
}

function convOf(conv: string, ctx: StepContext): string {
  const resolved = resolve(conv, ctx);
  if (typeof resolved !== 'string') throw new StepFailed(`conv resolved to ${compact(resolved)}, not a convId`);
  return ctx.run.ids.convId(resolved);
}

const optionalNumber = (value: unknown, what: string, ctx: StepContext): number | undefined =>
  value === undefined ? undefined : numberOf(resolve(value, ctx), what);

export const read: Handler<'read'> = (step, ctx) => {
  const convId = convOf(step.conv, ctx);
  const seq = numberOf(resolve(step.seq, ctx), 'read: seq');
  return exchange(step, ctx, `READ_ACK for ${convId} up to ${seq}`, async (client, device, timeoutMs) => {
    const content = { convId, seq };
    device.logSent({ header: { cmd: CmdType.READ }, content });
    return expectReply(await client.request(CmdType.READ, content, {}, { timeoutMs }), CmdType.READ_ACK, 'READ');
  }, step.actor);
};

export const history: Handler<'history'> = (step, ctx) => {
  const content: Record<string, unknown> = { convId: convOf(step.conv, ctx) };
  const afterSeq = optionalNumber(step.afterSeq, 'history: afterSeq', ctx);
  const beforeSeq = optionalNumber(step.beforeSeq, 'history: beforeSeq', ctx);
  if (afterSeq !== undefined) content.afterSeq = afterSeq;
  if (beforeSeq !== undefined) content.beforeSeq = beforeSeq;
  if (step.limit !== undefined) content.limit = step.limit;
  return exchange(step, ctx, `HISTORY_RESP for ${compact(content)}`, async (client, device, timeoutMs) => {
    device.logSent({ header: { cmd: CmdType.HISTORY }, content });
    return expectReply(await client.request(CmdType.HISTORY, content, {}, { timeoutMs }), CmdType.HISTORY_RESP, 'HISTORY');
  }, step.actor);
};

/** With `all`, pages until hasMore is false; the saved/matched content is the pages joined. */
export const sync: Handler<'sync'> = (step, ctx) =>
  exchange(step, ctx, 'SYNC_RESP', async (client, device, timeoutMs) => {
    const since = step.since === 'last' ? device.lastPts : numberOf(resolve(step.since, ctx), 'sync: since');
    const messages: PushFrame[] = [];
    for (let cursor = since; ; ) {
      const content = step.limit === undefined ? { sincePts: cursor } : { sincePts: cursor, limit: step.limit };
      device.logSent({ header: { cmd: CmdType.SYNC }, content });
      const reply = expectReply(await client.request(CmdType.SYNC, content, {}, { timeoutMs }), CmdType.SYNC_RESP, 'SYNC');
      const page = reply.content as { messages: PushFrame[]; maxPts: number; hasMore: boolean };
      messages.push(...page.messages);
      const last = page.messages.at(-1)?.stamp.pts;
      if (!step.all || !page.hasMore || last === undefined || last <= cursor) {
        return { content: { messages, maxPts: page.maxPts, hasMore: page.hasMore }, frame: reply.frame };
      }
      cursor = last;
    }
  }, step.actor);
