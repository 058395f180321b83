import { CmdType } from '../../protocol/codes.js';
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

async function open(device: Device, sync: boolean, ctx: StepContext, timeoutMs: number, closePrevious = true): Promise<void> {
  try {
    const client = await device.connect(ctx.run.baseUrl, timeoutMs, closePrevious);
    if (sync) {
      device.logSent({ header: { cmd: CmdType.SYNC }, content: { sincePts: client.lastPts } });
      await client.syncAll(client.lastPts);
    }
  } catch (e) {
    throw new StepFailed(`${device.label} could not connect: ${e instanceof Error ? e.message : String(e)}`, {
      expected: `${device.label} connected${sync ? ' and synced' : ''}`,
      actor: device.label,
    });
  }
}

export const connect: Handler<'connect'> = async (step, ctx) => {
  const timeoutMs = timeoutOf(step, ctx.run);
  await Promise.all(devices(step.actors, ctx).map((d) => open(d, step.sync ?? false, ctx, timeoutMs, step.closePrevious ?? true)));
};

export const reconnect: Handler<'reconnect'> = async (step, ctx) => {
  const timeoutMs = timeoutOf(step, ctx.run);
  await Promise.all(devices(step.actors, ctx).map((d) => open(d, step.sync, ctx, timeoutMs)));
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
