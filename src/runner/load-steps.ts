import type { z } from 'zod';
import { ConvType, MsgType } from '../protocol/codes.js';
import { suggestion, type LoadContext, type Path } from './load-context.js';
import { CLOSE_CODES, CONV_TYPES, durationMs, ERRORS, isTemplate, MSG_TYPES, normalizeFrameMatcher, normalizeMatcher, resolveName } from './load-names.js';
import type { Roster } from './load-roster.js';
import { SAVABLE_KINDS, STEP_KINDS, stepObject, TIMED_KINDS, validation, type StepBodies, type SurfaceStepKind } from './surface.js';
import type { Step, StepKind } from './types.js';

/** What a step needs to know about where it sits. */
export interface StepScope {
  ctx: LoadContext;
  roster: Roster;
  /** Barriers only make sense inside a parallel branch. */
  inParallel: boolean;
}

type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;
type Fields<K extends StepKind> = Omit<StepOf<K>, 'kind' | 'source' | 'timeoutMs' | 'save'>;
type Body<K extends SurfaceStepKind> = z.output<StepBodies[K]>;
type Convert<K extends StepKind> = (body: Body<K>, at: Path, scope: StepScope) => Fields<K>;

// The surface and types.ts must name the same step kinds.
const sameKinds: [SurfaceStepKind, StepKind] extends [StepKind, SurfaceStepKind] ? true : never = true;
void sameKinds;

/**
 * Turns the `steps:` list (or a nested one) at `path` into typed steps. Each step is checked on
 * its own: a broken one is recorded in the context and left out, and the next is checked still.
 */
export function convertSteps(list: readonly unknown[], path: Path, scope: StepScope): Step[] {
  return list.flatMap((item, i) => scope.ctx.part(() => convertStep(item, [...path, i], scope)) ?? []);
}

export function convertStep(value: unknown, path: Path, scope: StepScope): Step {
  const { ctx } = scope;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.fail(path, 'a step is a map with one kind key, e.g. `- send: { from: alice, to: bob, text: hi }`');
  }
  const record = value as Record<string, unknown>;
  const kind = stepKind(ctx, record, path);
  const body = record[kind];
  checkModifiers(ctx, kind, record, body, path);
  const checked = ctx.check(stepObject(kind, validation.bodies[kind]), value, path) as Record<string, unknown>;
  const convert = CONVERTERS[kind] as Convert<StepKind>;
  const fields = convert(checked[kind] as never, [...path, kind], scope);
  const save = checked.save as string | undefined;
  if (save !== undefined) {
    checkVariable(scope, save, [...path, 'save']);
    if (kind === 'connect' || kind === 'reconnect') checkSyncSave(ctx, kind, fields as Fields<'connect'>, path);
  }
  return {
    kind,
    source: ctx.source(path),
    ...(checked.timeout === undefined ? {} : { timeoutMs: durationMs(checked.timeout as number | string) }),
    ...(save === undefined ? {} : { save }),
    ...fields,
  } as Step;
}

function stepKind(ctx: LoadContext, record: Record<string, unknown>, path: Path): SurfaceStepKind {
  const keys = Object.keys(record);
  const kinds = keys.filter((k): k is SurfaceStepKind => (STEP_KINDS as string[]).includes(k));
  const [first, second] = kinds;
  if (first !== undefined && second !== undefined) {
    ctx.fail(path, `one step per list item: found ${first} and ${second} (start the second with its own "- ")`);
  }
  if (first !== undefined) return first;
  const key = keys.find((k) => k !== 'save' && k !== 'timeout') ?? keys[0] ?? '';
  const hint = suggestion(key, STEP_KINDS);
  throw ctx.errorAtKey(path, key, `unknown step kind "${key}"${hint} (valid: ${STEP_KINDS.join(', ')})`);
}

/** `save:` and `timeout:` sit next to the kind key, and only on kinds where they mean something. */
function checkModifiers(ctx: LoadContext, kind: SurfaceStepKind, record: Record<string, unknown>, body: unknown, path: Path): void {
  if ('save' in record && !SAVABLE_KINDS.has(kind)) {
    throw ctx.errorAtKey(path, 'save', `save: does not apply to ${kind} (only to ${[...SAVABLE_KINDS].join(', ')})`);
  }
  if ('timeout' in record && !TIMED_KINDS.has(kind)) {
    const why = kind === 'expect_none' ? 'its window is for:' : kind === 'pause' ? 'pause: is itself a duration' : 'set it on the steps inside';
    throw ctx.errorAtKey(path, 'timeout', `timeout: does not apply to ${kind} (${why})`);
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const key of ['save', 'timeout'] as const) {
      if (key in body) throw ctx.errorAtKey([...path, kind], key, `put ${key}: at the step level, next to ${kind}:, not inside it`);
    }
  }
}

/** Template roots the engine gives a meaning to (template.ts); a variable would shadow them. */
const TEMPLATE_ROOTS: ReadonlySet<string> = new Set(['save', 'run', 'seed', 'uuid', 'random', 'conv', 'group']);

/** A `save:` or `as:` name must not hide a user or a built-in template root. */
function checkVariable(scope: StepScope, name: string, at: Path): void {
  if (scope.roster.devicesOf(name) !== undefined) scope.ctx.fail(at, `"${name}" is a user name; pick another`);
  if (TEMPLATE_ROOTS.has(name)) scope.ctx.fail(at, `"${name}" is a built-in template name (${[...TEMPLATE_ROOTS].join(', ')}); pick another`);
}

/**
 * `save:` on connect/reconnect keeps what their SYNC returned: it needs the SYNC, and one device
 * (whose SYNC would "the" SYNC be otherwise?). A templated actor is checked when the step runs.
 */
function checkSyncSave(ctx: LoadContext, kind: 'connect' | 'reconnect', fields: Fields<'connect'>, path: Path): void {
  if (fields.sync !== true) {
    const fix = kind === 'connect' ? 'add sync: true' : 'remove sync: false';
    throw ctx.errorAtKey(path, 'save', `save: keeps what the ${kind}'s SYNC returned, but this ${kind} does not SYNC: ${fix}, or drop save:`);
  }
  if (fields.actors.length > 1 && !fields.actors.some(isTemplate)) {
    throw ctx.errorAtKey(path, 'save', `save: keeps the SYNC of one device, but this ${kind} opens ${fields.actors.join(', ')}: name one device, e.g. ${fields.actors[0] ?? ''}`);
  }
}

// ---- one converter per kind ----------------------------------------------------------------------

type ActorsBody = string | string[] | { user: string | string[] };

/** The short (`bob`, `[a, b]`) or long (`{ user: … }`) form of a multi-actor step. */
function actorList(body: ActorsBody, at: Path, scope: StepScope): string[] {
  const [users, base] = typeof body === 'object' && !Array.isArray(body) ? [body.user, [...at, 'user']] : [body, at];
  const list = Array.isArray(users) ? users.map((u, i) => [u, [...base, i]] as const) : [[users, base] as const];
  return [...new Set(list.flatMap(([u, p]) => scope.roster.actors(scope.ctx, u, p, 'many')))];
}

const option = <T>(body: unknown, key: string): T | undefined =>
  typeof body === 'object' && body !== null && !Array.isArray(body) ? ((body as Record<string, unknown>)[key] as T | undefined) : undefined;

const errorCode = (scope: StepScope, value: string | number | undefined, at: Path): { expectError?: number } =>
  value === undefined ? {} : { expectError: resolveName(scope.ctx, ERRORS, value, [...at, 'expect_error']) };

const contentMatch = (scope: StepScope, value: unknown, at: Path): { expect?: unknown } =>
  value === undefined ? {} : { expect: normalizeMatcher(scope.ctx, value, [...at, 'expect']) };

/** A seq/pts position: a number or a template (`last` only where `allowLast`). */
function position(scope: StepScope, value: number | string, at: Path, allowLast = false): number | string {
  if (typeof value === 'number' || isTemplate(value) || (allowLast && value === 'last')) return value;
  return scope.ctx.fail(at, `expected a number${allowLast ? ', last' : ''} or a template such as "{{m1.seq}}", got "${value}"`);
}

const PEER_TYPES: ReadonlySet<number> = new Set([ConvType.SINGLE, ConvType.STRANGER_CHAT, ConvType.SYSTEM_CONVERSATION]);

const send: Convert<'send'> = (b, at, scope) => {
  const { ctx, roster } = scope;
  const convType = b.type === undefined ? ConvType.SINGLE : resolveName(ctx, CONV_TYPES, b.type, [...at, 'type']);
  const msgType = b.msg_type === undefined ? MsgType.TEXT : resolveName(ctx, MSG_TYPES, b.msg_type, [...at, 'msg_type']);
  if (b.text !== undefined && b.content !== undefined) ctx.fail([...at, 'text'], 'give text: or content:, not both');
  if (b.text === undefined && b.content === undefined && msgType !== MsgType.TYPING) {
    ctx.fail(at, 'missing the message: give text: or content: (content: {} for an empty one)');
  }
  // A negative test may aim at a user who does not exist; otherwise a peer must be declared.
  const to = PEER_TYPES.has(convType) && b.expect_error === undefined ? roster.user(ctx, b.to, [...at, 'to']) : b.to;
  return {
    actor: roster.actor(ctx, b.from, [...at, 'from']),
    convType: convType as ConvType,
    msgType: msgType as MsgType,
    to,
    content: b.text !== undefined ? { text: b.text } : (b.content ?? {}),
    ...(b.persist === undefined ? {} : { persist: b.persist }),
    ...(b.sync === undefined ? {} : { sync: b.sync }),
    ...(b.client_msg_id === undefined ? {} : { clientMsgId: b.client_msg_id }),
    ...(b.raw === undefined ? {} : { raw: b.raw }),
    ...errorCode(scope, b.expect_error, at),
  };
};

const http: Convert<'http'> = (b, at, scope) => {
  const { ctx, roster } = scope;
  if ((b.get === undefined) === (b.post === undefined)) ctx.fail(at, 'give exactly one of get: or post: (the path)');
  const as = b.as === 'admin' || b.as === 'anonymous' ? b.as : roster.user(ctx, b.as, [...at, 'as']);
  return {
    as,
    method: b.get === undefined ? 'POST' : 'GET',
    path: b.get ?? b.post ?? '',
    ...(b.body === undefined ? {} : { body: b.body }),
    ...(b.query === undefined ? {} : { query: Object.fromEntries(Object.entries(b.query).map(([k, v]) => [k, String(v)])) }),
    expectCode: b.expect_error === undefined ? 0 : resolveName(ctx, ERRORS, b.expect_error, [...at, 'expect_error']),
    ...contentMatch(scope, b.expect, at),
  };
};

const repeat: Convert<'repeat'> = (b, at, scope) => {
  const { ctx } = scope;
  if ((b.times === undefined) === (b.for_each === undefined)) ctx.fail(at, 'give exactly one of times: or for_each:');
  const as = b.as ?? (b.times === undefined ? 'user' : 'i');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(as)) ctx.fail([...at, 'as'], `"${as}" is not a variable name (letters, digits, _)`);
  checkVariable(scope, as, [...at, 'as']);
  return {
    ...(b.times === undefined ? {} : { times: b.times }),
    ...(b.for_each === undefined ? {} : { forEach: b.for_each }),
    as,
    steps: convertSteps(b.steps, [...at, 'steps'], scope),
  };
};

const parallel: Convert<'parallel'> = (b, at, scope) => {
  const inner = { ...scope, inParallel: true };
  const branches = b.map((branch, i) => (Array.isArray(branch) ? convertSteps(branch, [...at, i], inner) : [convertStep(branch, [...at, i], inner)]));
  return { branches };
};

const CONVERTERS: { [K in StepKind]: Convert<K> } = {
  connect: (b, at, scope) => {
    const closePrevious = option<boolean>(b, 'close_previous');
    return { actors: actorList(b, at, scope), sync: option<boolean>(b, 'sync') ?? false, ...(closePrevious === undefined ? {} : { closePrevious }), ...nodeOption(b) };
  },
  disconnect: (b, at, scope) => ({ actors: actorList(b, at, scope), mode: option<'clean' | 'abrupt'>(b, 'mode') ?? 'clean' }),
  reconnect: (b, at, scope) => ({ actors: actorList(b, at, scope), sync: option<boolean>(b, 'sync') ?? true, ...nodeOption(b) }),
  send,
  read: (b, at, scope) => ({
    actor: scope.roster.actor(scope.ctx, b.user, [...at, 'user']),
    conv: b.conv,
    seq: position(scope, b.seq, [...at, 'seq']),
    ...errorCode(scope, b.expect_error, at),
    ...contentMatch(scope, b.expect, at),
  }),
  sync: (b, at, scope) => ({
    actor: scope.roster.actor(scope.ctx, b.user, [...at, 'user']),
    since: position(scope, b.since ?? 'last', [...at, 'since'], true),
    ...(b.limit === undefined ? {} : { limit: b.limit }),
    all: b.all ?? true,
    ...contentMatch(scope, b.expect, at),
    ...errorCode(scope, b.expect_error, at),
  }),
  history: (b, at, scope) => ({
    actor: scope.roster.actor(scope.ctx, b.user, [...at, 'user']),
    conv: b.conv,
    ...(b.after_seq === undefined ? {} : { afterSeq: position(scope, b.after_seq, [...at, 'after_seq']) }),
    ...(b.before_seq === undefined ? {} : { beforeSeq: position(scope, b.before_seq, [...at, 'before_seq']) }),
    ...(b.limit === undefined ? {} : { limit: b.limit }),
    ...contentMatch(scope, b.expect, at),
    ...errorCode(scope, b.expect_error, at),
  }),
  ping: (b, at, scope) => ({ actors: actorList(b, at, scope) }),
  http,
  expect: (b, at, scope) => ({
    actor: scope.roster.actor(scope.ctx, b.user, [...at, 'user']),
    match: normalizeFrameMatcher(scope.ctx, b.frame, [...at, 'frame']),
    ...(b.close_code === undefined ? {} : { closeCode: resolveName(scope.ctx, CLOSE_CODES, b.close_code, [...at, 'close_code']) }),
  }),
  expect_all: (b, at, scope) => ({
    actor: scope.roster.actor(scope.ctx, b.user, [...at, 'user']),
    matches: b.frames.map((f, i) => normalizeFrameMatcher(scope.ctx, f, [...at, 'frames', i])),
  }),
  expect_seq: (b, at, scope) => ({
    actor: scope.roster.actor(scope.ctx, b.user, [...at, 'user']),
    matches: b.frames.map((f, i) => normalizeFrameMatcher(scope.ctx, f, [...at, 'frames', i])),
  }),
  expect_none: (b, at, scope) => ({
    actor: scope.roster.actor(scope.ctx, b.user, [...at, 'user']),
    match: normalizeFrameMatcher(scope.ctx, b.frame, [...at, 'frame']),
    forMs: durationMs(b.for),
  }),
  repeat,
  parallel,
  barrier: (b, at, scope) => {
    if (!scope.inParallel) scope.ctx.fail(at, 'only means something inside a parallel branch');
    return { name: b };
  },
  pause: (b) => ({ ms: durationMs(b) }),
  kill_node: (b) => ({ node: b }),
  restart_node: (b) => ({ node: b }),
};

function nodeOption(b: unknown): { node?: number } {
  const node = option<number>(b, 'node');
  return node === undefined ? {} : { node };
}
