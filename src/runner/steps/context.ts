import type { Clock, Actors } from '../actors.js';
import type { Membership } from '../membership.js';
import type { Scope, TemplateEngine } from '../template.js';
import type { Scenario, SendRecord, Step, StepEvent, StepFailure, StepKind } from '../types.js';
import type { IdMap } from './ids.js';

/** What every step handler shares for the duration of one scenario. */
export interface RunState {
  scenario: Scenario;
  /** For `/system/send` and `as: admin`. */
  adminToken: string | undefined;
  defaultTimeoutMs: number;
  actors: Actors;
  ids: IdMap;
  membership: Membership;
  templates: TemplateEngine;
  sends: SendRecord[];
  clock: Clock;
  /** Steps started so far (the index of the next StepEvent). */
  stepsRun: number;
  /** Failed steps, an unexpected refusal included (the `errors` threshold metric). */
  errors: number;
  emit(event: StepEvent): void;
  /** Runs steps in order (composite steps call back into the runner through this). */
  runSteps(steps: readonly Step[], ctx: StepContext): Promise<void>;
}

/** A cyclic barrier shared by the branches of one `parallel` step. */
export interface Barrier {
  /** How many branches contain it. */
  parties: number;
  arrive(timeoutMs: number, signal: AbortSignal): Promise<void>;
}

export interface StepContext {
  run: RunState;
  scope: Scope;
  /** The barriers of the innermost enclosing `parallel`, by name. */
  barriers: ReadonlyMap<string, Barrier> | undefined;
  signal: AbortSignal;
}

export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;
export type Handler<K extends StepKind> = (step: StepOf<K>, ctx: StepContext) => Promise<void>;
export type Handlers = { [K in StepKind]: Handler<K> };

/** Thrown by a handler: the step did not do what it said. */
export class StepFailed extends Error {
  constructor(
    readonly reason: string,
    readonly detail: Omit<StepFailure, 'source' | 'reason' | 'expected'> & { expected?: string } = {},
  ) {
    super(reason);
    this.name = 'StepFailed';
  }
}

/** A StepFailed turned into the StepFailure of its step; composite steps pass it up untouched. */
export class ScenarioFailure extends Error {
  constructor(readonly failure: StepFailure) {
    super(failure.reason);
    this.name = 'ScenarioFailure';
  }
}

export function timeoutOf(step: Step, run: RunState): number {
  return step.timeoutMs ?? run.scenario.timeoutMs ?? run.defaultTimeoutMs;
}

/** Compact JSON of what a step expected, for failure output. */
export function compact(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * Any error a handler threw → the step's StepFailure. Without a more precise expectation the
 * step's own text is what it expected; without an actor named by the handler, the step's actor
 * is (`actorOf` turns a reference into its label, templates resolved, when it can).
 */
export function toFailure(error: unknown, step: Step, actorOf: (ref: string) => string = (ref) => ref): StepFailure {
  const ref = actorOfStep(step);
  const actor = ref === undefined ? undefined : actorOf(ref);
  const base = { source: step.source, expected: step.source.text, ...(actor === undefined ? {} : { actor }) };
  if (error instanceof StepFailed) {
    return { ...base, ...(error.detail.expected === undefined ? {} : { expected: error.detail.expected }), reason: error.reason, ...withoutExpected(error.detail) };
  }
  const reason = error instanceof Error ? firstLine(error.message) : String(error);
  return { ...base, reason };
}

/** The one actor a step acts for, as written: `actor`, a single entry of `actors`, or `as` of an HTTP call. */
function actorOfStep(step: Step): string | undefined {
  if ('actor' in step) return step.actor;
  if ('actors' in step) return step.actors.length === 1 ? step.actors[0] : undefined;
  if (step.kind === 'http') return step.as === 'admin' || step.as === 'anonymous' ? undefined : step.as;
  return undefined;
}

function withoutExpected(detail: StepFailed['detail']): Omit<StepFailure, 'source' | 'reason' | 'expected'> {
  const { expected: _, ...rest } = detail;
  return rest;
}

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? text;

/** Resolves templates in a step field. */
export function resolve<T>(value: T, ctx: StepContext): T {
  return ctx.run.templates.resolve(value, ctx.scope);
}

/** Resolves an actor reference (`alice`, `{{u}}@phone`) to its template-free form. */
export function actorRef(ref: string, ctx: StepContext): string {
  const resolved = resolve(ref, ctx);
  if (typeof resolved !== 'string') throw new StepFailed(`actor ${JSON.stringify(ref)} resolved to ${compact(resolved)}, not a name`);
  return resolved;
}

export function numberOf(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new StepFailed(`${what} must be a number, got ${compact(value)}`);
  return n;
}

/** Waits `ms`, or rejects when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal, aborted: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
