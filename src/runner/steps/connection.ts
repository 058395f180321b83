import { CmdType } from '../../protocol/codes.js';
import type { PushFrame } from '../../protocol/frames.js';
import { parseActor, type Device } from '../actors.js';
import { actorRef, compact, StepFailed, timeoutOf, type Handler, type StepContext } from './context.js';

/** connect / disconnect / reconnect / ping: one connection per device, several devices at once. */

/** A bare user name (say, from `{{user}}`) means every device of that user; `u@d` one device. */
function devices(refs: readonly string[], ctx: StepContext): Device[] {
  const found = refs.flatMap((ref) => {
    const resolved = actorRef(ref, ctx);
    const { user, device } = parseActor(resolved);
    return device === undefined ? [...ctx.run.actors.user(user).devices.values()] : [ctx.run.actors.device(resolved)];
  });
  return [...new Set(found)];
}

/** What a connect's SYNC returned, all pages joined: the shape a `sync:` step saves. */
interface Synced {
  messages: PushFrame[];
  maxPts: number;
  hasMore: false;
}

/** A step's `node:` (1-based) as an index; with one node, every node option means that one. */
function nodeIndex(node: number | undefined, ctx: StepContext): number | undefined {
  const { nodes } = ctx.run.actors;
  if (node === undefined || !nodes.several) return undefined;
  if (node > nodes.count) throw new StepFailed(`node ${node} does not exist: this run has ${nodes.count} nodes`);
  return node - 1;
}

async function open(device: Device, sync: boolean, ctx: StepContext, timeoutMs: number, closePrevious = true, node?: number): Promise<Synced | undefined> {
  try {
    const client = await device.connect(timeoutMs, closePrevious, node);
    if (!sync) return undefined;
    device.logSent({ header: { cmd: CmdType.SYNC }, content: { sincePts: client.lastPts } });
    const { messages, maxPts } = await client.syncAll(client.lastPts);
    return { messages, maxPts, hasMore: false };
  } catch (e) {
    throw new StepFailed(`${device.label} could not connect: ${e instanceof Error ? e.message : String(e)}`, {
      expected: `${device.label} connected${sync ? ' and synced' : ''}`,
      actor: device.label,
    });
  }
}

/**
 * The SYNC replies never enter the inbox (no expectation can take them), so `save:` is how a
 * scenario keeps them. The loader allows it for one device only; a template may still resolve
 * to a user with several.
 */
function saveSynced(save: string | undefined, opened: readonly Device[], synced: readonly (Synced | undefined)[], ctx: StepContext): void {
  if (save === undefined) return;
  const [only] = synced;
  if (opened.length !== 1) {
    throw new StepFailed(`save: keeps the SYNC of one device, but this step connected ${opened.map((d) => d.label).join(', ')}: name one, e.g. ${opened[0]?.label ?? 'bob@phone'}`);
  }
  if (only === undefined) throw new StepFailed('save: keeps what the SYNC returned, but this step did not SYNC: add sync: true');
  ctx.run.templates.saved.set(save, only);
}

export const connect: Handler<'connect'> = async (step, ctx) => {
  const timeoutMs = timeoutOf(step, ctx.run);
  const opened = devices(step.actors, ctx);
  const node = nodeIndex(step.node, ctx);
  const synced = await Promise.all(opened.map((d) => open(d, step.sync ?? false, ctx, timeoutMs, step.closePrevious ?? true, node)));
  saveSynced(step.save, opened, synced, ctx);
};

export const reconnect: Handler<'reconnect'> = async (step, ctx) => {
  const timeoutMs = timeoutOf(step, ctx.run);
  const opened = devices(step.actors, ctx);
  const node = nodeIndex(step.node, ctx);
  const synced = await Promise.all(opened.map((d) => open(d, step.sync, ctx, timeoutMs, true, node)));
  saveSynced(step.save, opened, synced, ctx);
};

export const disconnect: Handler<'disconnect'> = async (step, ctx) => {
  await Promise.all(devices(step.actors, ctx).map((d) => d.disconnect(step.mode)));
};

export const ping: Handler<'ping'> = async (step, ctx) => {
  const timeoutMs = timeoutOf(step, ctx.run);
  await Promise.all(
    devices(step.actors, ctx).map(async (device) => {
      const client = device.client;
      if (!client) throw new StepFailed(`${device.label} is not connected`, { expected: 'PONG', actor: device.label });
      device.logSent({ header: { cmd: CmdType.PING }, content: {} });
      try {
        await client.request(CmdType.PING, {}, {}, { timeoutMs });
      } catch (e) {
        throw new StepFailed(`${device.label}: ${e instanceof Error ? e.message : compact(e)}`, { expected: 'PONG', actor: device.label });
      }
    }),
  );
};
