import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { z } from 'zod';
import { ConvType, GROUP_CONV_TYPES } from '../protocol/codes.js';
import { isValidId } from '../protocol/ids.js';
import { didYouMean, LoadContext, ScenarioLoadError, suggestion, type Path } from './load-context.js';
import { CONV_TYPES, durationMs, resolveName } from './load-names.js';
import { Roster } from './load-roster.js';
import { convertSteps } from './load-steps.js';
import { generatedUsersSchema, namedUsersSchema, RESERVED_USER_NAMES, THRESHOLD_METRICS, validation } from './surface.js';
import type { GeneratedUsers, GroupSpec, Scenario, ServerSettings, Setup, Source, Threshold, UserSpec } from './types.js';

export { ScenarioLoadError };

/** Reads, parses (YAML with line numbers) and validates one file. Rejects with a ScenarioLoadError. */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ScenarioLoadError(file, undefined, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseScenario(text, file);
}

/**
 * Parses and validates one scenario (docs/scenarios.md) into the typed `Scenario` the engine runs.
 * Throws a `ScenarioLoadError` whose message is one line, `file:line:col: path: reason`, and
 * whose `errors` hold every error of the file: each part (a step, a group, a threshold…) is
 * checked even when an earlier one failed.
 *
 * What the engine can rely on:
 * - every step has its `source` (file, first line, YAML text);
 * - actors are canonical `user@device` with both declared, unless they hold a `{{template}}`;
 *   a bare user name in a multi-actor step (connect, disconnect, reconnect, ping) has been
 *   expanded to all of that user's devices;
 * - convType, msgType, error codes (`expectError`, `expectCode`) are numbers;
 * - matchers are partial frames in wire shape with names already resolved: the `cmd:` shorthand
 *   is moved to `header.cmd`, and `header.cmd`, `convType`, `msgType` (at any depth) and
 *   `content.code` hold numbers, inside `$in`/`$ne` too; operators are known and alone in their
 *   map; `$regex` compiles. Every other value, templates included, is as written;
 * - durations are milliseconds; defaults are applied (see each field's TSDoc in types.ts).
 */
export function parseScenario(text: string, file: string): Scenario {
  const ctx = new LoadContext(file, text);
  if (ctx.data === null || ctx.data === undefined) ctx.fail([], 'the file is empty: a scenario needs at least users: and steps:');
  if (typeof ctx.data !== 'object' || Array.isArray(ctx.data)) ctx.fail([], 'a scenario is a map (name:, users:, setup:, steps:, …)');
  const raw = ctx.data as Record<string, unknown>;
  // Each top-level key is checked on its own, so an error in one does not hide those in the others.
  ctx.part(() => ctx.check(validation.topKeys, raw, []));
  const top = <K extends keyof TopLevel>(key: K): TopLevel[K] | undefined =>
    raw[key] === undefined ? undefined : ctx.part(() => ctx.check(validation.file.shape[key], raw[key], [key]) as TopLevel[K]);
  const timeout = top('timeout');
  const strictInbox = top('strict_inbox');
  const server = top('server');
  const setup = top('setup');
  const stepList = top('steps');
  const thresholds = (top('thresholds') ?? []).flatMap((t, i) => ctx.part(() => readThreshold(ctx, t, ['thresholds', i])) ?? []);
  // A misspelt key (`step:`) is reported as unknown already; "missing steps" would say it twice.
  const misspelt = (key: string) => Object.keys(raw).some((k) => !(k in validation.file.shape) && didYouMean(k, [key]) === key);
  if (raw.users === undefined && !misspelt('users')) ctx.part(() => ctx.fail([], 'missing users: (named users, or { count: N, prefix: u })'));
  if (raw.steps === undefined && !misspelt('steps')) ctx.part(() => ctx.fail([], 'missing steps: (a list of at least one step)'));
  const read = raw.users === undefined ? undefined : ctx.part(() => readUsers(ctx, raw.users));
  // Without the users, every name in setup and steps would be reported as unknown.
  if (read === undefined) ctx.throwErrors();
  const { users, generated } = read ?? { users: [] };
  const roster = new Roster(users, generated);
  const scenario: Scenario = {
    file,
    name: top('name') ?? basename(file, extname(file)),
    ...optional('description', top('description')),
    ...optional('timeoutMs', timeout === undefined ? undefined : durationMs(timeout)),
    strictInbox: strictInbox ?? false,
    ...optional('strictInboxSource', raw.strict_inbox === undefined ? undefined : keySource(ctx, 'strict_inbox')),
    ...optional('server', server === undefined ? undefined : ctx.part(() => readServer(ctx, server))),
    users,
    ...optional('generated', generated),
    setup: readSetup(ctx, roster, setup ?? {}),
    steps: stepList === undefined ? [] : convertSteps(stepList, ['steps'], { ctx, roster, inParallel: false }),
    thresholds,
  };
  ctx.throwErrors();
  return scenario;
}

type TopLevel = z.output<typeof validation.file>;

/** `{ key: value }`, or nothing when the value is undefined (exactOptionalPropertyTypes). */
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/** A top-level key as written: its line and `key: value` text. */
function keySource(ctx: LoadContext, key: string): Source {
  const value = ctx.source([key]);
  const text = value.text.includes('\n') ? `${key}:\n${value.text.replace(/^/gm, '  ')}` : `${key}: ${value.text}`;
  return { file: ctx.file, line: ctx.keyAt([], key)?.line ?? value.line, text };
}

type ServerInput = NonNullable<ReturnType<typeof validation.file.parse>['server']>;

function readServer(ctx: LoadContext, s: ServerInput): ServerSettings {
  const rate = s.rate_limit;
  const rateLimit = rate === undefined ? undefined : { ...(rate.burst === undefined ? {} : { burst: rate.burst }), ...(rate.per_second === undefined ? {} : { perSecond: rate.per_second }) };
  const idle = s.idle_timeout === undefined ? undefined : durationMs(s.idle_timeout);
  if (idle !== undefined && idle < 1) ctx.fail(['server', 'idle_timeout'], 'must be at least 1ms');
  return {
    source: keySource(ctx, 'server'),
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(idle === undefined ? {} : { idleTimeoutMs: idle }),
    ...(s.max_content_bytes === undefined ? {} : { maxContentBytes: s.max_content_bytes }),
  };
}

// ---- users ---------------------------------------------------------------------------------------

function readUsers(ctx: LoadContext, value: unknown): { users: UserSpec[]; generated?: GeneratedUsers } {
  const isGenerator = value !== null && typeof value === 'object' && 'count' in value;
  if (isGenerator) {
    const g = ctx.check(generatedUsersSchema, value, ['users']);
    const devices = g.devices ?? ['default'];
    devices.forEach((d, i) => checkName(ctx, d, ['users', 'devices', i], 'device'));
    return { users: [], generated: { count: g.count, prefix: g.prefix, devices } };
  }
  const named = ctx.check(namedUsersSchema, value, ['users']);
  const users = Object.entries(named).map(([name, def]): UserSpec => {
    ctx.part(() => checkName(ctx, name, ['users', name], 'user'));
    const devices = def?.devices ?? ['default'];
    devices.forEach((d, i) => ctx.part(() => checkName(ctx, d, ['users', name, 'devices', i], 'device')));
    if (new Set(devices).size !== devices.length) ctx.part(() => ctx.fail(['users', name, 'devices'], 'a device is listed twice'));
    for (const device of Object.keys(def?.nodes ?? {})) {
      if (!devices.includes(device)) ctx.part(() => ctx.fail(['users', name, 'nodes', device], `${name} has no device "${device}" (declared: ${devices.join(', ')})`));
    }
    return {
      name,
      devices,
      ...(def?.node === undefined ? {} : { node: def.node }),
      ...(def?.nodes === undefined ? {} : { deviceNodes: def.nodes }),
      ...(def?.nickname === undefined ? {} : { nickname: def.nickname }),
      ...(def?.password === undefined ? {} : { password: def.password }),
    };
  });
  if (users.length === 0) ctx.fail(['users'], 'declare at least one user');
  return { users };
}

function checkName(ctx: LoadContext, name: string, path: Path, what: 'user' | 'device'): void {
  if (!isValidId(name)) ctx.fail(path, `"${name}" is not a valid ${what} name (1-64 of A-Z a-z 0-9 _ . -)`);
  if (what === 'user' && RESERVED_USER_NAMES.has(name)) ctx.fail(path, `"${name}" is reserved; pick another user name`);
}

// ---- setup ---------------------------------------------------------------------------------------

type SetupInput = NonNullable<ReturnType<typeof validation.file.parse>['setup']>;

/** Each pair, user, group and name of the setup is checked on its own (`part`): all errors are reported. */
function readSetup(ctx: LoadContext, roster: Roster, s: SetupInput): Setup {
  const user = (name: string, at: Path) => ctx.part(() => roster.user(ctx, name, at)) ?? name;
  const pairs = (list: [string, string][] | undefined, key: string) =>
    (list ?? []).map(([a, b], i): [string, string] => {
      const at = ['setup', key, i];
      if (a === b) ctx.part(() => ctx.fail(at, `a pair needs two different users, got [${a}, ${b}]`));
      return [user(a, [...at, 0]), user(b, [...at, 1])];
    });
  const settings = Object.entries(s.settings ?? {}).map(([name, v]) => [user(name, ['setup', 'settings', name]), { allowStrangers: v.allow_strangers }] as const);
  const connect = s.connect ?? 'all';
  return {
    friends: pairs(s.friends, 'friends'),
    blocks: pairs(s.blocks, 'blocks'),
    settings: Object.fromEntries(settings),
    groups: readGroups(ctx, roster, s.groups ?? []),
    connect: typeof connect === 'string' ? connect : connect.map((u, i) => user(u, ['setup', 'connect', i])),
  };
}

function readGroups(ctx: LoadContext, roster: Roster, groups: NonNullable<SetupInput['groups']>): GroupSpec[] {
  const seen = new Set<string>();
  return groups.flatMap((g, i) => ctx.part(() => readGroup(ctx, roster, g, ['setup', 'groups', i], seen)) ?? []);
}

function readGroup(ctx: LoadContext, roster: Roster, g: NonNullable<SetupInput['groups']>[number], at: Path, seen: Set<string>): GroupSpec {
  if (!isValidId(g.id)) ctx.fail([...at, 'id'], `"${g.id}" is not a valid group id (1-64 of A-Z a-z 0-9 _ . -)`);
  if (seen.has(g.id)) ctx.fail([...at, 'id'], `group "${g.id}" is declared twice (ids are unique across all group types)`);
  seen.add(g.id);
  const type = resolveName(ctx, CONV_TYPES, g.type, [...at, 'type']) as ConvType;
  if (!GROUP_CONV_TYPES.includes(type)) ctx.fail([...at, 'type'], `"${g.type}" is not a group type (group, chatroom, channel, mgroup, custom)`);
  if (g.policy !== undefined && type !== ConvType.CUSTOM_CONVERSATION) ctx.fail([...at, 'policy'], 'policy: applies to custom groups only');
  // Every user named in the group is checked, so each unknown one is reported.
  const user = (name: string, path: Path) => ctx.part(() => roster.user(ctx, name, path)) ?? name;
  const owner = user(g.owner, [...at, 'owner']);
  const list = (key: 'admins' | 'muted') => (g[key] ?? []).map((u, j) => user(u, [...at, key, j]));
  const admins = list('admins');
  const muted = list('muted');
  if (admins.includes(owner)) ctx.fail([...at, 'admins'], `${owner} owns the group; the owner is not listed as an admin`);
  const declared = g.members === 'all' ? roster.names() : (g.members ?? []).map((u, j) => user(u, [...at, 'members', j]));
  // Admins and muted users are members too: listing them once is enough.
  const members = [...new Set([...declared, ...admins, ...muted])].filter((u) => u !== owner);
  return { id: g.id, type, name: g.name ?? g.id, owner, members, admins, muted, ...(g.policy === undefined ? {} : { policy: g.policy }) };
}

// ---- thresholds ----------------------------------------------------------------------------------

const THRESHOLD = /^\s*(\S+?)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

function readThreshold(ctx: LoadContext, text: string, path: Path): Threshold {
  const m = THRESHOLD.exec(text);
  if (!m) ctx.fail(path, `"${text}" is not a threshold: write METRIC OP NUMBER, e.g. delivery_ms.p99 < 250`);
  const [, metric = '', op = '', value = ''] = m;
  if (!(THRESHOLD_METRICS as readonly string[]).includes(metric)) {
    ctx.fail(path, `unknown metric "${metric}"${suggestion(metric, THRESHOLD_METRICS) || ` (valid: ${THRESHOLD_METRICS.join(', ')})`}`);
  }
  return { source: ctx.source(path), metric: metric as Threshold['metric'], op: op as Threshold['op'], value: Number(value) };
}
