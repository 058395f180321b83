import { RunAborted } from '../actors.js';
import type { Step } from '../types.js';
import { compact, resolve, sleep, StepFailed, timeoutOf, type Barrier, type Handler, type StepContext } from './context.js';

/** repeat / parallel / barrier / pause: the steps that shape the others. */

export const repeat: Handler<'repeat'> = async (step, ctx) => {
  for (const item of items(step, ctx)) {
    await ctx.run.runSteps(step.steps, { ...ctx, scope: ctx.scope.child({ [step.as]: item }) });
  }
};

function items(step: Parameters<Handler<'repeat'>>[0], ctx: StepContext): unknown[] {
  if (step.times !== undefined) return Array.from({ length: step.times }, (_, i) => i);
  if (step.forEach === 'users') return [...ctx.run.actors.users.keys()];
  const list = resolve(step.forEach, ctx);
  if (!Array.isArray(list)) throw new StepFailed(`repeat: for_each resolved to ${compact(list)}, not a list`);
  return list;
}

/** Branches run concurrently; the first failure aborts the others and is the step's failure. */
export const parallel: Handler<'parallel'> = async (step, ctx) => {
  const controller = new AbortController();
  const abort = () => controller.abort();
  ctx.signal.addEventListener('abort', abort, { once: true });
  const barriers = barriersOf(step.branches);
  try {
    const results = await Promise.allSettled(
      step.branches.map(async (branch) => {
        try {
          await ctx.run.runSteps(branch, { ...ctx, scope: ctx.scope.child(), barriers, signal: controller.signal });
        } catch (e) {
          controller.abort();
          throw e;
        }
      }),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    const first = rejected.find((e) => !(e instanceof RunAborted)) ?? rejected[0];
    if (first !== undefined) throw first;
  } finally {
    ctx.signal.removeEventListener('abort', abort);
  }
};

/** Outside a `parallel`, a barrier has one party and passes at once. */
export const barrier: Handler<'barrier'> = async (step, ctx) => {
  const shared = ctx.barriers?.get(step.name);
  if (shared) await shared.arrive(timeoutOf(step, ctx.run), ctx.signal);
};

export const pause: Handler<'pause'> = (step, ctx) => sleep(step.ms, ctx.signal, () => new RunAborted());

/** Barrier names a branch reaches (nested parallels have their own barriers). */
function namesIn(steps: readonly Step[], into: Set<string>): Set<string> {
  for (const step of steps) {
    if (step.kind === 'barrier') into.add(step.name);
    else if (step.kind === 'repeat') namesIn(step.steps, into);
  }
  return into;
}

function barriersOf(branches: readonly Step[][]): Map<string, Barrier> {
  const parties = new Map<string, number>();
  for (const branch of branches) for (const name of namesIn(branch, new Set())) parties.set(name, (parties.get(name) ?? 0) + 1);
  return new Map([...parties].map(([name, n]) => [name, new CyclicBarrier(name, n)]));
}

/** Releases everyone once `parties` have arrived, then starts over (a barrier inside a repeat). */
class CyclicBarrier implements Barrier {
  #waiting: { release: () => void }[] = [];

  constructor(
    readonly name: string,
    readonly parties: number,
  ) {}

  arrive(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.#waiting.length + 1 >= this.parties) {
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const w of waiting) w.release();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#waiting = this.#waiting.filter((w) => w !== waiter);
      };
      const waiter = { release: () => (leave(), resolve()) };
      const onAbort = () => (leave(), reject(new RunAborted()));
      const timer = setTimeout(() => {
        const arrived = this.#waiting.length;
        leave();
        reject(new StepFailed(`barrier "${this.name}": ${arrived} of ${this.parties} branches arrived within ${timeoutMs} ms`, { expected: `${this.parties} branches at barrier "${this.name}"` }));
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }
}
