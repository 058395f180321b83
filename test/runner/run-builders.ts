import { ConvType, MsgType } from '../../src/protocol/codes.js';
import { runScenario, type RunOptions } from '../../src/runner/run.js';
import type { GroupSpec, Matcher, Scenario, ScenarioResult, Setup, Source, Step, UserSpec } from '../../src/runner/types.js';

/**
 * Scenario builders for the engine's tests: typed Scenario objects, as the loader would produce
 * them, each step with a distinct source line so failures can be traced to it.
 */

export const FILE = 'engine-test.yaml';
let nextLine = 1;

export function src(text = 'step'): Source {
  return { file: FILE, line: nextLine++, text };
}

export const user = (name: string, ...devices: string[]): UserSpec => ({ name, devices: devices.length > 0 ? devices : ['default'] });

export function group(id: string, owner: string, members: string[], extra: Partial<GroupSpec> = {}): GroupSpec {
  return { id, type: ConvType.GROUP, name: id, owner, members, admins: [], muted: [], ...extra };
}

export function scenario(init: { users: UserSpec[]; steps: Step[]; setup?: Partial<Setup> } & Partial<Omit<Scenario, 'setup'>>): Scenario {
  const { setup, ...rest } = init;
  return {
    file: FILE,
    name: 'engine test',
    strictInbox: false,
    thresholds: [],
    ...rest,
    setup: { friends: [], blocks: [], settings: {}, groups: [], connect: 'all', ...setup },
  };
}

type Extra<S> = Partial<Omit<S, 'kind' | 'source'>>;

export function send(actor: string, to: string, text: string, extra: Extra<Extract<Step, { kind: 'send' }>> = {}): Step {
  return { kind: 'send', source: src(`send ${actor} → ${to}: ${text}`), actor, to, convType: ConvType.SINGLE, msgType: MsgType.TEXT, content: { text }, ...extra };
}

export function sendGroup(actor: string, groupId: string, text: string, extra: Extra<Extract<Step, { kind: 'send' }>> = {}): Step {
  return send(actor, groupId, text, { convType: ConvType.GROUP, ...extra });
}

export function expectStep(actor: string, match: Matcher, extra: Extra<Extract<Step, { kind: 'expect' }>> = {}): Step {
  return { kind: 'expect', source: src(`expect ${actor}`), actor, match, ...extra };
}

export const pushOf = (text: string, more: Record<string, unknown> = {}): Matcher => ({ cmd: 'PUSH', content: { text }, ...more });

export function expectAll(actor: string, matches: Matcher[], extra: Extra<Extract<Step, { kind: 'expect_all' }>> = {}): Step {
  return { kind: 'expect_all', source: src(`expect_all ${actor}`), actor, matches, ...extra };
}

export function expectSeq(actor: string, matches: Matcher[], extra: Extra<Extract<Step, { kind: 'expect_seq' }>> = {}): Step {
  return { kind: 'expect_seq', source: src(`expect_seq ${actor}`), actor, matches, ...extra };
}

export function expectNone(actor: string, match: Matcher, forMs: number): Step {
  return { kind: 'expect_none', source: src(`expect_none ${actor}`), actor, match, forMs };
}

export function repeat(init: { times?: number; forEach?: 'users' | string[]; as: string; steps: Step[] }): Step {
  return { kind: 'repeat', source: src('repeat'), ...init };
}

export function parallel(...branches: Step[][]): Step {
  return { kind: 'parallel', source: src('parallel'), branches };
}

export function barrier(name: string, timeoutMs?: number): Step {
  return { kind: 'barrier', source: src(`barrier ${name}`), name, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

export function http(as: string, method: 'GET' | 'POST', path: string, extra: Extra<Extract<Step, { kind: 'http' }>> = {}): Step {
  return { kind: 'http', source: src(`http ${method} ${path}`), as, method, path, expectCode: 0, ...extra };
}

type WithoutSource<T> = T extends unknown ? Omit<T, 'source'> : never;

export function step(s: WithoutSource<Step>): Step {
  return { ...s, source: src(s.kind) } as Step;
}

export const TEST_OPTIONS: RunOptions = { defaultTimeoutMs: 5_000, seed: 42, runId: 'rt1' };

export function run(s: Scenario, options: Partial<RunOptions> = {}): Promise<ScenarioResult> {
  return runScenario(s, { ...TEST_OPTIONS, ...options });
}

/** The failure, violations and error of a result, for assertion messages. */
export const why = (r: ScenarioResult): string =>
  JSON.stringify({ failure: r.failure && { ...r.failure, recent: undefined }, error: r.error, violations: r.violations, unconsumed: r.unconsumed.map((u) => u.actor), thresholds: r.thresholds.filter((t) => !t.passed) }, null, 1);
