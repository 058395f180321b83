import { z } from 'zod';
import { CLIENT_CMDS, CmdType, ConvType, ErrorCode, MsgType, PROTOCOL_VERSION, isConvType, isMsgType } from './codes.js';
import type { ClientFrame, Content, ServerFrame } from './frames.js';
import { ID_PATTERN } from './ids.js';
import { DEFAULT_MAX_CONTENT_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_OPTIONS_BYTES, jsonBytes, nestedDeeperThan } from './limits.js';
import { plainHeader, plainSend, type PlainSendParts } from './plain-frames.js';

export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

export type DecodeResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; error: ProtocolError; reqId?: string };

export interface DecodeOptions {
  maxContentBytes?: number;
  maxOptionsBytes?: number;
  maxDepth?: number;
}

const id = z.string().regex(ID_PATTERN, 'must be 1-64 chars of [A-Za-z0-9_.-]');
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const positive = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const url = z.string().min(1).max(4096);
const seconds = z.number().nonnegative().finite();

/** Exported for test/protocol/plain-frames.test.ts, which holds plain-frames.ts to it. */
export const header = z.object({
  version: z.number().int().optional(),
  cmd: z.number().int(),
  reqId: z.string().min(1).max(128).optional(),
  deviceId: z.string().max(128).optional(),
  platform: z.string().max(64).optional(),
  ts: z.number().finite().optional(),
});

/** Required fields per MsgType (§3); unknown extra fields are kept, as clients may extend content. */
const messageContent: Readonly<Record<number, z.ZodType<Content>>> = {
  [MsgType.TEXT]: z.looseObject({ text: z.string() }),
  [MsgType.IMAGE]: z.looseObject({ url, width: count.optional(), height: count.optional() }),
  [MsgType.FILE]: z.looseObject({ url, name: z.string().min(1).max(1024), size: count }),
  [MsgType.AUDIO]: z.looseObject({ url, seconds }),
  [MsgType.VIDEO]: z.looseObject({ url, seconds }),
  [MsgType.LOCATION]: z.looseObject({
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
    label: z.string().max(1024).optional(),
  }),
  [MsgType.CUSTOM]: z.looseObject({ data: z.unknown().refine((v) => v !== undefined, 'is required') }),
  [MsgType.TYPING]: z.looseObject({}),
  [MsgType.SYSTEM]: z.looseObject({ text: z.string(), data: z.unknown().optional() }),
};

/** Why `content` does not fit `msgType` (§3 MsgType table), or undefined when it does. */
export function checkMessageContent(msgType: number, content: unknown): string | undefined {
  // The common case without zod: TEXT's one rule (content is already known to be an object).
  if (msgType === MsgType.TEXT && typeof (content as { text?: unknown } | null)?.text === 'string') return undefined;
  const parsed = messageContent[msgType]?.safeParse(content);
  return parsed && !parsed.success ? describe(parsed.error, 'content.') : undefined;
}

/** Exported for test/protocol/plain-frames.test.ts, which holds plain-frames.ts to it. */
export const sendBody = z.object({
  route: z.object({
    convType: z.number().int().refine(isConvType, 'is not a ConversationType (1-8)'),
    msgType: z.number().int().refine(isMsgType, 'is not a MsgType'),
    from: z.unknown().optional(),
    to: id,
  }),
  content: z.record(z.string(), z.unknown()),
  control: z
    .object({
      persist: z.boolean().optional(),
      sync: z.boolean().optional(),
      clientMsgId: z.string().min(1).max(64).optional(),
    })
    .optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

const commandContent: Readonly<Record<number, z.ZodType<Content>>> = {
  [CmdType.PING]: z.object({}).loose(),
  [CmdType.PUSH_ACK]: z.object({ pts: count }),
  [CmdType.SYNC]: z.object({ sincePts: count, limit: positive.optional() }),
  [CmdType.READ]: z.object({ convId: z.string().min(1).max(200), seq: count }),
  [CmdType.HISTORY]: z.object({
    convId: z.string().min(1).max(200),
    afterSeq: count.optional(),
    beforeSeq: count.optional(),
    limit: positive.optional(),
  }),
};

function describe(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}is invalid`;
  const path = [prefix.replace(/\.$/, ''), ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path || 'frame'}: ${issue.message}`;
}

const fail = (code: ErrorCode, message: string, reqId?: string): DecodeResult =>
  reqId === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message }, reqId };

/**
 * Turns one untrusted text frame into a typed client frame or a protocol error; never throws.
 * `route.from` and `stamp` are dropped here: the server alone decides them.
 */
export function decode(raw: string, options: DecodeOptions = {}): DecodeResult {
  const maxContentBytes = options.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
  const maxOptionsBytes = options.maxOptionsBytes ?? DEFAULT_MAX_OPTIONS_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return fail(ErrorCode.BAD_FRAME, 'frame is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(ErrorCode.BAD_FRAME, 'frame must be a JSON object');
  }
  const obj = json as Record<string, unknown>;
  // First, before anything walks the frame recursively (zod, JSON.stringify, the store).
  if (mayNestDeeperThan(raw, maxDepth) && nestedDeeperThan(obj, maxDepth)) {
    return fail(ErrorCode.BAD_FRAME, `frame is nested deeper than ${maxDepth} levels`, shallowReqId(obj));
  }
  // A plainly valid header or SEND is read without zod; anything else goes to zod, which words the error.
  let headerData = plainHeader(obj.header);
  if (!headerData) {
    const h = header.safeParse(obj.header);
    if (!h.success) return fail(ErrorCode.BAD_FRAME, describe(h.error, 'header.'), shallowReqId(obj));
    headerData = h.data;
  }
  const { reqId, cmd } = headerData;
  const version = headerData.version ?? PROTOCOL_VERSION;
  if (version !== PROTOCOL_VERSION) {
    return fail(ErrorCode.UNSUPPORTED_VERSION, `header.version ${version} is not supported (this server speaks ${PROTOCOL_VERSION})`, reqId);
  }
  if (!CLIENT_CMDS.has(cmd)) return fail(ErrorCode.UNKNOWN_CMD, `header.cmd ${cmd} is not a client command`, reqId);
  const frameHeader = { ...headerData, version };

  // Only a frame bigger than the limit can hold content bigger than it: JSON.stringify never
  // lengthens what JSON.parse read, so the common case skips the re-serialisation.
  const contentTooLarge = () =>
    raw.length > maxContentBytes / 4 && jsonBytes(obj.content ?? {}) > maxContentBytes;
  const optionsTooLarge = () =>
    raw.length > maxOptionsBytes / 4 && jsonBytes(obj.options ?? {}) > maxOptionsBytes;

  if (cmd === CmdType.SEND) {
    let data: PlainSendParts | undefined = plainSend(obj);
    if (!data) {
      const body = sendBody.safeParse(obj);
      if (!body.success) return fail(ErrorCode.BAD_FRAME, describe(body.error, ''), reqId);
      data = body.data;
    }
    if (contentTooLarge()) {
      return fail(ErrorCode.CONTENT_TOO_LARGE, `content is over ${maxContentBytes} bytes`, reqId);
    }
    if (optionsTooLarge()) {
      return fail(ErrorCode.CONTENT_TOO_LARGE, `options is over ${maxOptionsBytes} bytes`, reqId);
    }
    const { route } = data;
    // The client's own object, not zod's copy: a copy drops an own `__proto__` key, and content
    // must be stored exactly as sent.
    const content = obj.content as Content;
    if (route.msgType === MsgType.SYSTEM) {
      return fail(ErrorCode.BAD_FRAME, 'route.msgType SYSTEM (100) is sent by the server only', reqId);
    }
    const invalid = checkMessageContent(route.msgType, content);
    if (invalid) return fail(ErrorCode.BAD_FRAME, invalid, reqId);
    const control = { ...data.control };
    if (route.msgType === MsgType.TYPING) control.persist = false;
    return {
      ok: true,
      frame: {
        header: { ...frameHeader, cmd: CmdType.SEND },
        route: { convType: route.convType as ConvType, msgType: route.msgType as MsgType, to: route.to },
        content,
        control,
        options: data.options ?? {},
      },
    };
  }

  const schema = commandContent[cmd];
  const parsed = schema?.safeParse(obj.content ?? {});
  if (!parsed || !parsed.success) {
    return fail(ErrorCode.BAD_FRAME, parsed ? describe(parsed.error, 'content.') : 'content is invalid', reqId);
  }
  if (contentTooLarge()) return fail(ErrorCode.CONTENT_TOO_LARGE, `content is over ${maxContentBytes} bytes`, reqId);
  return { ok: true, frame: { header: frameHeader, content: parsed.data } as ClientFrame };
}

/**
 * False when `raw` cannot hold objects nested deeper than `max`: each level needs its own `{` or
 * `[`, so a frame with no more of them than `max` is not walked (nearly every frame).
 */
function mayNestDeeperThan(raw: string, max: number): boolean {
  let opening = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c === 0x7b || c === 0x5b) && ++opening > max) return true;
  }
  return false;
}

/** header.reqId when it is a string, read without walking anything else. */
function shallowReqId(obj: Record<string, unknown>): string | undefined {
  const h = obj.header;
  if (typeof h !== 'object' || h === null) return undefined;
  const reqId = (h as { reqId?: unknown }).reqId;
  return typeof reqId === 'string' && reqId.length <= 128 ? reqId : undefined;
}

/**
 * Reads a server frame on the client side. Servers are trusted more than clients, but a client
 * still must not crash on garbage: anything without a numeric `header.cmd` is undefined.
 */
export function parseServerFrame(raw: string): ServerFrame | undefined {
  try {
    const json = JSON.parse(raw) as { header?: { cmd?: unknown } } | null;
    if (typeof json !== 'object' || json === null || typeof json.header?.cmd !== 'number') return undefined;
    return json as ServerFrame;
  } catch {
    return undefined;
  }
}
