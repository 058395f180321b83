import { isConvType, isMsgType } from './codes.js';
import { ID_PATTERN } from './ids.js';

/*
 * The frames nearly every client sends, read without zod: a header and a SEND whose every field
 * is plainly valid. Each function returns exactly what the zod schema in decode.ts would produce
 * (unknown keys dropped, absent optional keys absent), or undefined for anything less plain — and
 * then decode.ts asks zod, which alone words the errors. So these may refuse a valid frame but
 * must never accept one zod refuses (test/protocol/plain-frames.test.ts checks both against each
 * other). Why: the three zod parses of a SEND were ~6% of the server's CPU per message.
 */

export interface PlainHeader {
  version?: number;
  cmd: number;
  reqId?: string;
  deviceId?: string;
  platform?: string;
  ts?: number;
}

export interface PlainSendParts {
  route: { convType: number; msgType: number; to: string };
  control?: { persist?: boolean; sync?: boolean; clientMsgId?: string };
  options?: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const optionalString = (v: unknown, min: number, max: number): boolean =>
  v === undefined || (typeof v === 'string' && v.length >= min && v.length <= max);
const optionalBoolean = (v: unknown): boolean => v === undefined || typeof v === 'boolean';

export function plainHeader(h: unknown): PlainHeader | undefined {
  if (!isRecord(h)) return undefined;
  const { version, cmd, reqId, deviceId, platform, ts } = h;
  if (!isInt(cmd) || (version !== undefined && !isInt(version))) return undefined;
  if (!optionalString(reqId, 1, 128) || !optionalString(deviceId, 0, 128) || !optionalString(platform, 0, 64)) return undefined;
  if (ts !== undefined && !(typeof ts === 'number' && Number.isFinite(ts))) return undefined;
  const out: PlainHeader = { cmd };
  if (version !== undefined) out.version = version;
  if (reqId !== undefined) out.reqId = reqId as string;
  if (deviceId !== undefined) out.deviceId = deviceId as string;
  if (platform !== undefined) out.platform = platform as string;
  if (ts !== undefined) out.ts = ts;
  return out;
}

export function plainSend(frame: Record<string, unknown>): PlainSendParts | undefined {
  const { route, content, control, options } = frame;
  if (!isRecord(route) || !isRecord(content)) return undefined;
  const { convType, msgType, to } = route;
  if (!isInt(convType) || !isConvType(convType) || !isInt(msgType) || !isMsgType(msgType)) return undefined;
  if (typeof to !== 'string' || !ID_PATTERN.test(to)) return undefined;
  const out: PlainSendParts = { route: { convType, msgType, to } };
  if (control !== undefined) {
    if (!isRecord(control)) return undefined;
    const { persist, sync, clientMsgId } = control;
    if (!optionalBoolean(persist) || !optionalBoolean(sync) || !optionalString(clientMsgId, 1, 64)) return undefined;
    const c: NonNullable<PlainSendParts['control']> = {};
    if (persist !== undefined) c.persist = persist as boolean;
    if (sync !== undefined) c.sync = sync as boolean;
    if (clientMsgId !== undefined) c.clientMsgId = clientMsgId as string;
    out.control = c;
  }
  if (options !== undefined) {
    // zod copies a record key by key, and assigning `__proto__` does not make a key: leave that to zod.
    if (!isRecord(options) || Object.hasOwn(options, '__proto__')) return undefined;
    out.options = { ...options };
  }
  return out;
}
