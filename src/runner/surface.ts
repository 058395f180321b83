import { z } from 'zod';
import { CloseCode, CmdType, ConvType, ErrorCode, MsgType } from '../protocol/codes.js';

/**
 * The YAML surface of a scenario file (docs/scenarios.md) as zod schemas: what a QA engineer may
 * write, key by key. It is purely structural (no transforms), so that one definition serves both
 * validation (load.ts) and the JSON Schema shipped for editors (schema.ts). Meaning — names,
 * actors, durations, references between users, groups and steps — is checked by the loader.
 *
 * Every object is strict: an unknown key is an error, which is how typos are caught.
 */

// ---- tables shared with the loader ---------------------------------------------------------

/** `250ms`, `2s`, `1.5s`, `1m`; a bare number is milliseconds. */
export const DURATION_PATTERN = /^\d+(\.\d+)?(ms|s|m)$/;

/** Names a user may not take: they mean something else where users are referenced. */
export const RESERVED_USER_NAMES: ReadonlySet<string> = new Set(['admin', 'anonymous', 'system', 'all', 'none', 'users']);

/** Conversation types by their scenario names (lower case; the protocol's UPPER names also work). */
export const CONV_TYPE_NAMES: Readonly<Record<string, ConvType>> = {
  single: ConvType.SINGLE,
  group: ConvType.GROUP,
  chatroom: ConvType.CHATROOM,
  channel: ConvType.CHANNEL,
  mgroup: ConvType.MILLION_GROUP,
  million_group: ConvType.MILLION_GROUP,
  system: ConvType.SYSTEM_CONVERSATION,
  system_conversation: ConvType.SYSTEM_CONVERSATION,
  custom: ConvType.CUSTOM_CONVERSATION,
  custom_conversation: ConvType.CUSTOM_CONVERSATION,
  stranger: ConvType.STRANGER_CHAT,
  stranger_chat: ConvType.STRANGER_CHAT,
};

const lowerKeys = <T extends Record<string, number>>(table: T): Record<string, T[keyof T]> =>
  Object.fromEntries(Object.entries(table).map(([k, v]) => [k.toLowerCase(), v])) as Record<string, T[keyof T]>;

export const MSG_TYPE_NAMES: Readonly<Record<string, MsgType>> = lowerKeys(MsgType);
export const CMD_NAMES: Readonly<Record<string, CmdType>> = lowerKeys(CmdType);
export const ERROR_NAMES: Readonly<Record<string, number>> = { ok: 0, ...lowerKeys(ErrorCode) };
/** WebSocket close codes the server uses (PROTOCOL.md §4): `kicked` → 4001, … */
export const CLOSE_CODE_NAMES: Readonly<Record<string, number>> = lowerKeys(CloseCode);

/** PROTOCOL.md §2, under /openapi/v1. */
export const HTTP_GET_PATHS = ['/user/profile', '/friend/list', '/group/info', '/group/members', '/conversation/list'] as const;
export const HTTP_POST_PATHS = [
  '/user/register',
  '/user/login',
  '/user/block',
  '/user/unblock',
  '/user/settings',
  '/friend/add',
  '/friend/remove',
  '/group/create',
  '/group/join',
  '/group/add-members',
  '/group/remove-members',
  '/group/leave',
  '/group/set-role',
  '/group/mute',
  '/system/send',
] as const;

/** The matcher operators of types.ts `Matcher`. */
export const MATCH_OPERATORS = ['$exists', '$gt', '$gte', '$lt', '$lte', '$ne', '$regex', '$in', '$contains', '$len'] as const;

export const THRESHOLD_METRICS = [
  'delivery_ms.p50',
  'delivery_ms.p95',
  'delivery_ms.p99',
  'delivery_ms.max',
  'lost',
  'duplicates',
  'errors',
  'violations',
] as const;

// ---- leaves ----------------------------------------------------------------------------------

const duration = z
  .union([z.number().nonnegative(), z.string().regex(DURATION_PATTERN, 'bad duration: write 250ms, 2s, 1m or a number of ms')])
  .meta({ id: 'Duration', description: '250ms, 2s, 1m, or a bare number of milliseconds.' });

const actor = z.string().meta({
  id: 'Actor',
  description: 'A user (`alice`) or one of its devices (`alice@phone`); templates allowed (`{{u}}@phone`).',
});
const actors = z.union([actor, z.array(actor).min(1)]).meta({ description: 'One actor or a list; a bare user name means every device of that user.' });
const userName = z.string().meta({ description: 'A user declared under `users:`.' });

/** A name from a table, or its number. Names are case-insensitive; the enum is for completion. */
const named = (names: readonly string[], description: string) =>
  z.union([z.enum(names as [string, ...string[]]), z.string(), z.number().int()]).meta({ description });

const convType = named(['single', 'group', 'chatroom', 'channel', 'mgroup', 'system', 'custom', 'stranger'], 'Conversation type: single, group, chatroom, channel, mgroup, system, custom, stranger (or its number).');
const groupType = named(['group', 'chatroom', 'channel', 'mgroup', 'custom'], 'Group-backed conversation type: group, chatroom, channel, mgroup, custom.');
const msgType = named(Object.keys(MSG_TYPE_NAMES), 'Message type: text, image, file, audio, video, location, custom, typing, system (or its number).');
const cmd = named(Object.keys(CmdType), 'Command: PUSH, SEND_ACK, READ_NOTIFY, … (case-insensitive, or its number).');
const errorCode = named(Object.keys(ErrorCode), 'Error name from PROTOCOL.md §5 (NOT_FRIENDS, …) or its number.');
const closeCode = named(Object.keys(CloseCode), 'WebSocket close code: KICKED (4001), IDLE (4000), TOKEN_EXPIRED (4003), GOING_AWAY (1001), … or its number.');
const seqValue = z.union([z.number().int().nonnegative(), z.string()]).meta({ description: 'A number or a template such as "{{m1.seq}}".' });
const object = z.record(z.string(), z.unknown());
const nodeNumber = z.number().int().positive().meta({ description: 'A node of the run, 1-based: the order of --server URLs, or of the nodes --cluster starts.' });

// ---- matchers --------------------------------------------------------------------------------

const anyValue = z.unknown();
/** A partial frame: only the keys given must match (types.ts `Matcher` lists the `$` operators). */
const frameMatcher = z
  .strictObject({
    cmd: cmd.optional().describe('Shorthand for header.cmd.'),
    header: z.strictObject({ version: anyValue, cmd: anyValue, reqId: anyValue, deviceId: anyValue, platform: anyValue, ts: anyValue }).partial().optional(),
    route: z.strictObject({ convType: anyValue, msgType: anyValue, from: anyValue, to: anyValue }).partial().optional(),
    content: anyValue.optional(),
    control: z.strictObject({ persist: anyValue, sync: anyValue, clientMsgId: anyValue }).partial().optional(),
    options: anyValue.optional(),
    stamp: z.strictObject({ msgId: anyValue, convId: anyValue, seq: anyValue, pts: anyValue, sendTime: anyValue }).partial().optional(),
  })
  .meta({ id: 'FrameMatcher', description: 'A partial frame in wire shape; `cmd:` is shorthand for `header: {cmd}`.' });
const contentMatcher = object.meta({ description: 'A partial match on the reply content (or HTTP data).' });

// ---- steps -----------------------------------------------------------------------------------

const expectError = errorCode.describe('Expect this error instead of success.');

/** The body of each step kind, given the schema nested steps use (see `scenarioSurface`). */
function stepBodies(step: z.ZodType) {
  return {
    connect: z.union([
      actors,
      z.strictObject({
        user: actors,
        sync: z.boolean().optional().describe('SYNC from the last pts after connecting (default false).'),
        close_previous: z
          .boolean()
          .optional()
          .describe('false: leave a still-open connection of the device open, so the server KICKs it when the new one opens (default true: close it first).'),
        node: nodeNumber.optional().describe("Connect to this node instead of the device's own (runs with several nodes)."),
      }),
    ]),
    disconnect: z.union([actors, z.strictObject({ user: actors, mode: z.enum(['clean', 'abrupt']).optional().describe('clean (default) or abrupt.') })]),
    reconnect: z.union([
      actors,
      z.strictObject({
        user: actors,
        sync: z.boolean().optional().describe('SYNC from the last pts seen (default true).'),
        node: nodeNumber.optional().describe("Connect to this node instead of the device's own (runs with several nodes)."),
      }),
    ]),
    send: z.strictObject({
      from: actor,
      to: z.string().describe('Peer user, group id, or (type: system) receiving user.'),
      type: convType.optional().describe('Conversation type (default single).'),
      msg_type: msgType.optional().describe('Message type (default text).'),
      text: z.string().optional().describe('Shorthand for content: {text}.'),
      content: object.optional(),
      persist: z.boolean().optional().describe('false: a transient message.'),
      sync: z.boolean().optional().describe("false: no copy to the sender's other devices."),
      client_msg_id: z.string().optional(),
      raw: object.optional().describe('Frame fields merged in last, for negative tests.'),
      expect_error: expectError.optional(),
    }),
    read: z.strictObject({ user: actor, conv: z.string(), seq: seqValue, expect: contentMatcher.optional(), expect_error: expectError.optional() }),
    sync: z.strictObject({
      user: actor,
      since: seqValue.optional().describe('`last` (default: the last pts the device saw), a number or a template.'),
      limit: z.number().int().positive().optional(),
      all: z.boolean().optional().describe('Page until hasMore is false (default true).'),
      expect: contentMatcher.optional(),
      expect_error: expectError.optional(),
    }),
    history: z.strictObject({
      user: actor,
      conv: z.string(),
      after_seq: seqValue.optional(),
      before_seq: seqValue.optional(),
      limit: z.number().int().positive().optional(),
      expect: contentMatcher.optional(),
      expect_error: expectError.optional(),
    }),
    ping: actors,
    http: z.strictObject({
      as: z.string().describe('A user name, `admin` or `anonymous`.'),
      get: z.enum(HTTP_GET_PATHS).optional(),
      post: z.enum(HTTP_POST_PATHS).optional(),
      body: object.optional(),
      query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      expect: contentMatcher.optional(),
      expect_error: errorCode.optional().describe('Expected envelope code (default 0, OK).'),
    }),
    expect: z.strictObject({
      user: actor,
      frame: frameMatcher,
      close_code: closeCode.optional().describe("The frame's connection must then be closed by the server with this code (KICKED after a KICK)."),
    }),
    expect_all: z.strictObject({ user: actor, frames: z.array(frameMatcher).min(1) }),
    expect_seq: z.strictObject({ user: actor, frames: z.array(frameMatcher).min(1) }),
    expect_none: z.strictObject({ user: actor, frame: frameMatcher.optional().describe('Default: any frame.'), for: duration }),
    repeat: z.strictObject({
      times: z.number().int().nonnegative().optional(),
      for_each: z.union([z.literal('users'), z.array(z.string()).min(1)]).optional(),
      as: z.string().optional().describe('Loop variable: default `i` (times) or `user` (for_each).'),
      steps: z.array(step).min(1),
    }),
    parallel: z.array(z.union([z.array(step).min(1), step])).min(1).describe('Branches run at once; a branch is a list of steps or one step.'),
    barrier: z.string().describe('Inside parallel: wait until every branch naming this barrier reaches it.'),
    pause: duration,
    kill_node: nodeNumber.describe('SIGKILL this node of the cluster the run started (--cluster); done when its devices have seen the drop.'),
    restart_node: nodeNumber.describe('Start this node again on its port (--cluster); done when it answers /healthz.'),
  };
}

export type StepBodies = ReturnType<typeof stepBodies>;
export type SurfaceStepKind = keyof StepBodies;
export const STEP_KINDS = Object.keys(stepBodies(z.unknown())) as SurfaceStepKind[];

/** Kinds whose result can be captured with `save:`. */
export const SAVABLE_KINDS: ReadonlySet<SurfaceStepKind> = new Set(['connect', 'reconnect', 'send', 'read', 'sync', 'history', 'http', 'expect', 'expect_all', 'expect_seq']);
/** Kinds that wait and so take a per-step `timeout:`. */
export const TIMED_KINDS: ReadonlySet<SurfaceStepKind> = new Set([
  'connect', 'disconnect', 'reconnect', 'send', 'read', 'sync', 'history', 'ping', 'http', 'expect', 'expect_all', 'expect_seq', 'barrier',
  'kill_node', 'restart_node',
]);

const saveName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'save: takes a name made of letters, digits and _').describe('Capture the result as {{name…}}.');

/** The full `- kind: …` object of one step: the kind key plus the modifiers it allows. */
export function stepObject(kind: SurfaceStepKind, body: z.ZodType): z.ZodObject {
  return z.strictObject({
    [kind]: body,
    ...(TIMED_KINDS.has(kind) ? { timeout: duration.optional().describe('Overrides the default step timeout.') } : {}),
    ...(SAVABLE_KINDS.has(kind) ? { save: saveName.optional() } : {}),
  });
}

// ---- the file --------------------------------------------------------------------------------

const userDef = z
  .strictObject({
    devices: z.array(z.string()).min(1).optional().describe('Device ids (default: one device, `default`).'),
    nickname: z.string().optional(),
    password: z.string().optional(),
    node: nodeNumber.optional().describe('With several nodes, every device of this user connects to this one (default: round-robin).'),
    nodes: z.record(z.string(), nodeNumber).optional().describe('With several nodes, per-device pins: `{laptop: 2}`.'),
  })
  .nullable();
export const namedUsersSchema = z.record(z.string(), userDef).meta({ description: 'Named users: `alice: {}`, `bob: { devices: [phone, laptop] }`.' });
export const generatedUsersSchema = z
  .strictObject({
    count: z.number().int().positive(),
    prefix: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'prefix: letters, digits, _ . - only'),
    devices: z.array(z.string()).min(1).optional(),
  })
  .meta({ description: 'Generated users: `{count: 200, prefix: u}` makes u1..u200.' });

const pair = z.tuple([userName, userName]);
const setupSchema = z.strictObject({
  friends: z.array(pair).optional().describe('Pairs that become friends.'),
  blocks: z.array(pair).optional().describe('[blocker, blocked] pairs.'),
  settings: z.record(z.string(), z.strictObject({ allow_strangers: z.boolean() })).optional(),
  groups: z
    .array(
      z.strictObject({
        id: z.string(),
        type: groupType,
        name: z.string().optional().describe('Default: the id.'),
        owner: userName,
        members: z.union([z.literal('all'), z.array(userName)]).optional().describe('`all` or a list (admins and muted are members too).'),
        admins: z.array(userName).optional(),
        muted: z.array(userName).optional(),
        policy: z.enum(['members', 'open', 'owner']).optional().describe('custom groups only.'),
      }),
    )
    .optional(),
  connect: z.union([z.enum(['all', 'none']), z.array(userName)]).optional().describe('Who is connected before the first step (default all).'),
});

const serverSchema = z
  .strictObject({
    rate_limit: z
      .strictObject({
        burst: z.number().int().positive().optional().describe('SENDs that pass at once, per user.'),
        per_second: z.number().positive().optional().describe('Refill rate in SENDs per second (0.001: practically none).'),
      })
      .optional()
      .describe('Per-user SEND rate limit (default: too high to matter).'),
    idle_timeout: duration.optional().describe('A silent connection is closed with 4000 after this long (default 60s).'),
    max_content_bytes: z.number().int().positive().max(1_048_576).optional().describe('Larger content is refused with CONTENT_TOO_LARGE (default 65536).'),
  })
  .meta({ description: 'Settings of the embedded server; a run against --server fails a file that has them.' });

/** The top level, given the schemas for `users` and for one step (see below). */
function fileSchema(users: z.ZodType, step: z.ZodType) {
  return z.strictObject({
    name: z.string().optional().describe('Default: the file name.'),
    description: z.string().optional(),
    timeout: duration.optional().describe('Default step timeout for this file.'),
    strict_inbox: z.boolean().optional().describe('Fail when any device has unconsumed frames at the end (default false).'),
    server: serverSchema.optional(),
    users,
    setup: setupSchema.optional(),
    steps: z.array(step).min(1),
    thresholds: z.array(z.string()).optional().describe('`delivery_ms.p99 < 250`, `lost == 0`, …'),
  });
}

const fileLevel = fileSchema(z.unknown(), z.unknown());

/**
 * What the loader validates against, level by level: nested steps are `unknown` here because the
 * loader dispatches each step on its kind key and validates it with `stepObject(kind, …)`, which
 * gives one precise message instead of seventeen failed union branches.
 */
export const validation = {
  file: fileLevel,
  /** Only which keys the top level may have: each value is checked on its own, with `file.shape`. */
  topKeys: z.strictObject(Object.fromEntries(Object.keys(fileLevel.shape).map((key) => [key, z.unknown().optional()]))),
  bodies: stepBodies(z.unknown()),
};

/** The whole surface as one recursive schema, for JSON Schema generation. */
export function scenarioSurface(): z.ZodType {
  const step: z.ZodType = z
    .lazy(() => z.union(STEP_KINDS.map((kind) => stepObject(kind, stepBodies(step)[kind])) as [z.ZodObject, z.ZodObject]))
    .meta({ id: 'Step', description: 'One step: exactly one kind key, plus save:/timeout: where allowed.' });
  return fileSchema(z.union([generatedUsersSchema, namedUsersSchema]), step);
}
