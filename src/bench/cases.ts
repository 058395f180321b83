import { WORKLOADS, type Case, type WorkloadName } from './types.js';

/** The sizes a workload runs at without --users/--messages/--window. */
interface Defaults {
  sizes: { users: number; messages: number }[];
  window: number;
}

const DEFAULTS: Record<WorkloadName, Defaults> = {
  pairs: { sizes: [{ users: 100, messages: 2000 }], window: 32 },
  // Sized for a few hundred thousand deliveries each: long enough to be steady, short enough for CI.
  group: { sizes: [{ users: 100, messages: 1000 }, { users: 1000, messages: 200 }], window: 32 },
  million: { sizes: [{ users: 1000, messages: 200 }, { users: 10_000, messages: 20 }], window: 32 },
  chatroom: { sizes: [{ users: 1000, messages: 200 }], window: 32 },
  latency: { sizes: [{ users: 20, messages: 200 }], window: 1 },
  connect: { sizes: [{ users: 5000, messages: 0 }], window: 0 },
  idle: { sizes: [{ users: 10_000, messages: 0 }], window: 0 },
};

/** Workloads named after their users' count: group/1000. */
const SIZED: ReadonlySet<WorkloadName> = new Set(['group', 'million', 'chatroom']);
const MESSAGE_WORKLOADS: ReadonlySet<WorkloadName> = new Set(['pairs', 'group', 'million', 'chatroom', 'latency']);

export interface CaseOptions {
  users?: number;
  messages?: number;
  window?: number;
  durationS?: number;
}

export class CaseError extends Error {
  override name = 'CaseError';
}

/**
 * The cases `selection` names (every workload when empty): `group` is all its sizes, `group/1000`
 * one of them (any size may be asked for). --users, --messages and --window replace the defaults
 * of every selected case; latency keeps window 1, which is what it measures.
 */
export function casesFor(selection: readonly string[], options: CaseOptions): Case[] {
  const wanted = selection.length ? selection : [...WORKLOADS];
  const cases: Case[] = [];
  for (const item of wanted) {
    const [name, size, extra] = item.split('/');
    if (!isWorkload(name)) throw new CaseError(`unknown workload "${item}": use ${WORKLOADS.join(', ')} (or group/1000, million/10000: a size)`);
    if (extra !== undefined || (size !== undefined && !/^[1-9]\d*$/.test(size))) throw new CaseError(`"${item}" is not a workload with a size: write ${name}/1000`);
    const d = DEFAULTS[name];
    const sizes = size !== undefined ? [{ users: Number(size), messages: d.sizes.find((s) => s.users === Number(size))?.messages ?? d.sizes.at(-1)!.messages }] : options.users !== undefined ? [{ users: options.users, messages: d.sizes[0]!.messages }] : d.sizes;
    for (const s of sizes) {
      const users = s.users;
      if (users < 2) throw new CaseError(`${name} needs at least 2 users, got ${users}`);
      const messages = MESSAGE_WORKLOADS.has(name) ? (options.messages ?? s.messages) : 0;
      const window = name === 'latency' ? 1 : MESSAGE_WORKLOADS.has(name) ? (options.window ?? d.window) : 0;
      const c: Case = { workload: name, name: SIZED.has(name) ? `${name}/${users}` : name, users, messages, window, title: '' };
      if (options.durationS !== undefined && MESSAGE_WORKLOADS.has(name)) c.durationS = options.durationS;
      c.title = titleOf(c);
      if (!cases.some((x) => x.name === c.name)) cases.push(c);
    }
  }
  return cases;
}

const isWorkload = (name: string | undefined): name is WorkloadName => (WORKLOADS as readonly string[]).includes(name ?? '');

const n = (x: number) => x.toLocaleString('en');

function titleOf(c: Case): string {
  const sending = c.durationS !== undefined ? `for ${c.durationS} s` : `× ${n(c.messages)} messages`;
  switch (c.workload) {
    case 'pairs':
      return `${n(Math.floor(c.users / 2))} one-to-one pairs ${sending}, window ${c.window}`;
    case 'latency':
      return `${n(Math.floor(c.users / 2))} one-to-one pairs ${sending}, window 1: unloaded latency`;
    case 'group':
    case 'million':
    case 'chatroom': {
      const type = { group: 'GROUP', million: 'MILLION_GROUP', chatroom: 'CHATROOM' }[c.workload];
      return `${type} of ${n(c.users)} members online, 1 sender ${sending}, window ${c.window}: ${n(c.users - 1)} PUSHes a message`;
    }
    case 'connect':
      return `${n(c.users)} connections as fast as they are accepted`;
    case 'idle':
      return `${n(c.users)} idle connections: server memory per connection`;
  }
}
