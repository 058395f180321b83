import { isImRequestError } from '../../client/errors.js';
import { CmdType, ConvType, GROUP_CONV_TYPES, MsgType, errorName, isConvType } from '../../protocol/codes.js';
import type { SendAckFrame } from '../../protocol/frames.js';
import { displayMatcher } from '../match.js';
import type { SendRecord } from '../types.js';
import { actorRef, compact, resolve, StepFailed, timeoutOf, type Handler, type StepContext } from './context.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `raw` wins: objects merge key by key, anything else replaces. */
function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

const codeText = (code: number): string => `ERROR ${errorName(code)} (${code})`;

function realTarget(to: unknown, convType: number, ctx: StepContext): string {
  if (typeof to !== 'string') throw new StepFailed(`send: "to" resolved to ${compact(to)}, not an id`);
  const ids = ctx.run.ids;
  if (GROUP_CONV_TYPES.includes(convType as ConvType) && ids.prefixed && !ids.isGroup(to)) return ids.addGroup(to);
  return ids.id(to);
}

function buildFrame(step: Parameters<Handler<'send'>>[0], ctx: StepContext): Json {
  const control: Json = {};
  if (step.persist !== undefined) control.persist = step.persist;
  if (step.sync !== undefined) control.sync = step.sync;
  if (step.clientMsgId !== undefined) control.clientMsgId = resolve(step.clientMsgId, ctx);
  const route = { convType: step.convType, msgType: step.msgType, to: realTarget(resolve(step.to, ctx), step.convType, ctx) };
  const frame: Json = { header: { cmd: CmdType.SEND }, route, content: resolve(step.content, ctx), control, options: {} };
  return step.raw === undefined ? frame : deepMerge(frame, ctx.run.ids.deep(resolve(step.raw, ctx)) as Json);
}

function newRecord(frame: Json, user: string, device: string, at: number): SendRecord {
  const route = isObject(frame.route) ? frame.route : {};
  const control = isObject(frame.control) ? frame.control : {};
  const convType = isConvType(route.convType) ? route.convType : ConvType.SINGLE;
  return {
    user,
    device,
    convType,
    to: String(route.to),
    at,
    // TYPING is always transient (PROTOCOL.md §3), whatever control.persist says.
    persist: control.persist !== false && route.msgType !== MsgType.TYPING,
    syncToSender: control.sync !== false,
    recipients: [],
  };
}

/**
 * SEND, then SEND_ACK (or the expected ERROR). Every attempt is recorded for the invariants and
 * latency; `save` stores `{...ackStamp, frame}` (the SEND as written) or `{error, frame}`.
 */
export const send: Handler<'send'> = async (step, ctx) => {
  const { run } = ctx;
  const { device, client } = run.actors.client(actorRef(step.actor, ctx));
  const frame = buildFrame(step, ctx);
  const expected = step.expectError === undefined ? `SEND_ACK for ${compact(displayMatcher(frame.route))} ${compact(frame.content)}` : codeText(step.expectError);
  const record = newRecord(frame, device.user.id, device.id, run.clock());
  run.sends.push(record);
  device.logSent(frame);
  const { content, ...extra } = frame;
  let ack: SendAckFrame;
  try {
    const reply = await client.request(CmdType.SEND, isObject(content) ? content : {}, extra, { timeoutMs: timeoutOf(step, run) });
    if (reply.header.cmd !== CmdType.SEND_ACK) throw new StepFailed(`SEND was answered with ${compact(reply)}`, { expected, actor: device.label });
    ack = reply as SendAckFrame;
  } catch (e) {
    if (!isImRequestError(e)) throw e instanceof StepFailed ? e : new StepFailed(`${device.label}: ${e instanceof Error ? e.message : String(e)}`, { expected, actor: device.label });
    record.error = e.code;
    if (step.expectError === e.code) {
      if (step.save !== undefined) run.templates.saved.set(step.save, { error: e.code, frame });
      return;
    }
    throw new StepFailed(`the server refused the SEND with ${codeText(e.code)}: ${e.serverMessage}`, { expected, actor: device.label });
  }
  record.ack = ack.stamp;
  record.ackAt = run.clock();
  record.recipients = run.membership.recipients(record.convType, record.user, record.to, record.ackAt);
  if (step.expectError !== undefined) {
    throw new StepFailed(`expected ${codeText(step.expectError)}, got SEND_ACK ${compact(ack.stamp)}`, { expected, actor: device.label });
  }
  if (step.save !== undefined) run.templates.saved.set(step.save, { ...ack.stamp, frame });
};
