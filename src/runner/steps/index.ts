import { RunAborted } from '../actors.js';
import type { Step, StepKind } from '../types.js';
import { connect, disconnect, ping, reconnect } from './connection.js';
import { actorRef, ScenarioFailure, toFailure, type Handler, type Handlers, type StepContext } from './context.js';
import { expect, expectAll, expectNone, expectSeq } from './expect.js';
import { barrier, parallel, pause, repeat } from './flow.js';
import { http } from './http.js';
import { killNode, restartNode } from './node-steps.js';
import { history, read, sync } from './requests.js';
import { send } from './send.js';

/** One handler per step kind (types.ts `Step`); adding a kind without a handler does not compile. */
export const HANDLERS: Handlers = {
  connect,
  disconnect,
  reconnect,
  send,
  read,
  sync,
  history,
  ping,
  http,
  expect,
  expect_all: expectAll,
  expect_seq: expectSeq,
  expect_none: expectNone,
  repeat,
  parallel,
  barrier,
  pause,
  kill_node: killNode,
  restart_node: restartNode,
};

/** `bob` → `bob@default` for a one-device step, templates resolved; the reference as written when that fails. */
function actorLabel(ref: string, oneDevice: boolean, ctx: StepContext): string {
  try {
    const resolved = actorRef(ref, ctx);
    return oneDevice ? ctx.run.actors.device(resolved).label : resolved;
  } catch {
    return ref;
  }
}

/**
 * Runs steps in order. A failing step throws ScenarioFailure (its StepFailure); an enclosing
 * composite step reports `fail` too and passes the same failure up. RunAborted (another branch
 * failed, or the caller's signal) ends a step without a `fail` event.
 */
export async function runSteps(steps: readonly Step[], ctx: StepContext): Promise<void> {
  for (const step of steps) await runStep(step, ctx);
}

async function runStep(step: Step, ctx: StepContext): Promise<void> {
  if (ctx.signal.aborted) throw new RunAborted();
  const { run } = ctx;
  const event = { file: step.source.file, index: run.stepsRun++, kind: step.kind, source: step.source };
  run.emit({ ...event, status: 'start' });
  try {
    await (HANDLERS[step.kind] as Handler<StepKind>)(step as never, ctx);
  } catch (e) {
    if (e instanceof RunAborted) throw e;
    const failure = e instanceof ScenarioFailure ? e : new ScenarioFailure(toFailure(e, step, (ref) => actorLabel(ref, 'actor' in step, ctx)));
    if (!(e instanceof ScenarioFailure)) run.errors++;
    run.emit({ ...event, status: 'fail' });
    throw failure;
  }
  run.emit({ ...event, status: 'pass' });
}
