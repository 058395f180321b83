import type { Device } from '../actors.js';
import { StepFailed, timeoutOf, type Handler, type StepContext } from './context.js';

/** kill_node / restart_node: faults on a cluster the run started itself (`--cluster`). */

function controlled(node: number, kind: string, ctx: StepContext) {
  const { nodes } = ctx.run.actors;
  const control = nodes.control;
  if (control === undefined) {
    throw new StepFailed(`${kind} needs nodes this run started itself: run with --cluster N --db postgres://… --bus redis://… (a --server node or the embedded server cannot be killed)`);
  }
  if (node > nodes.count) throw new StepFailed(`node ${node} does not exist: this run has ${nodes.count} nodes`);
  return { nodes, control, index: node - 1 };
}

/**
 * SIGKILL, then wait until every device that was connected to the node has seen its connection
 * drop, so the next step starts from a known state (its devices are disconnected).
 */
export const killNode: Handler<'kill_node'> = async (step, ctx) => {
  const { nodes, control, index } = controlled(step.node, 'kill_node', ctx);
  if (nodes.isDown(index)) throw new StepFailed(`node ${step.node} is down already: restart_node ${step.node} first`);
  const onIt = ctx.run.actors.devices().filter((d) => d.node === index);
  await control.kill(index);
  nodes.markDown(index);
  const timeoutMs = timeoutOf(step, ctx.run);
  const dropped = await Promise.all(onIt.map((d) => d.inbox.until(() => (d.node === index ? undefined : true), timeoutMs, ctx.signal)));
  const still = onIt.filter((_, i) => dropped[i] !== true);
  if (still.length > 0) throw new StepFailed(`node ${step.node} was killed, but ${labels(still)} did not see the connection drop within ${timeoutMs} ms`);
};

export const restartNode: Handler<'restart_node'> = async (step, ctx) => {
  const { nodes, control, index } = controlled(step.node, 'restart_node', ctx);
  if (!nodes.isDown(index)) throw new StepFailed(`node ${step.node} is running: kill_node ${step.node} first`);
  try {
    await control.restart(index);
  } catch (e) {
    throw new StepFailed(`node ${step.node} did not start again: ${e instanceof Error ? e.message : String(e)}`);
  }
  nodes.markUp(index);
};

function labels(devices: readonly Device[]): string {
  return devices.map((d) => d.label).join(', ');
}
