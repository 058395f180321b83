import { summarizeFrame } from '../../client/frame-format.js';
import { CloseCode } from '../../protocol/codes.js';
import type { ServerFrame } from '../../protocol/frames.js';
import type { Device } from '../actors.js';
import { displayMatcher, frameMatcher, matches } from '../match.js';
import type { LoggedFrame, Matcher } from '../types.js';
import { actorFailure } from './actor-failure.js';
import { actorRef, compact, resolve, StepFailed, timeoutOf, type Handler, type StepContext, type StepOf } from './context.js';

/**
 * Expectations read the device inbox (frames no request answered), which keeps every frame
 * until one is consumed, across reconnects. Frames that match nothing are left where they are.
 */

function target(actor: string, ctx: StepContext): Device {
  return ctx.run.actors.device(actorRef(actor, ctx));
}

/** The matcher to test frames with, and the expectation as written (after templates) to show. */
function matcherOf(raw: Matcher, ctx: StepContext): { matcher: Matcher; shown: string } {
  const resolved = resolve(raw, ctx);
  return { matcher: frameMatcher(ctx.run.ids.deep(resolved)), shown: compact(displayMatcher(resolved, true)) };
}

function matchersOf(raws: readonly Matcher[], ctx: StepContext): { matchers: Matcher[]; shown: string } {
  const resolved = raws.map((raw) => resolve(raw, ctx));
  return { matchers: resolved.map((r) => frameMatcher(ctx.run.ids.deep(r))), shown: compact(resolved.map((r) => displayMatcher(r, true))) };
}

const save = (ctx: StepContext, name: string | undefined, value: unknown) => {
  if (name !== undefined) ctx.run.templates.saved.set(name, value);
};

/** The first inbox frame matching; it is consumed. With `closeCode`, its connection must close so. */
export const expect: Handler<'expect'> = async (step, ctx) => {
  const device = target(step.actor, ctx);
  const { matcher, shown } = matcherOf(step.match, ctx);
  const timeoutMs = timeoutOf(step, ctx.run);
  const { inbox } = device;
  const wanted = step.closeCode;
  /** A frame that matched while its connection was not (yet) closed with `wanted`. */
  let unclosed: LoggedFrame | undefined;
  const found = await inbox.until(
    () => {
      const candidates = inbox.frames.filter((e) => matches(e.frame, matcher));
      const entry = wanted === undefined ? candidates[0] : candidates.find((e) => device.closeCodeOf(e) === wanted);
      if (wanted !== undefined && !entry) unclosed = candidates[0];
      if (entry) inbox.remove([entry], step.source);
      return entry;
    },
    timeoutMs,
    ctx.signal,
  );
  if (!found) {
    const expected = wanted === undefined ? shown : `${shown}, then the connection closed with ${closeText(wanted)}`;
    if (unclosed) {
      const code = device.closeCodeOf(unclosed);
      const state = code === undefined ? 'is still open' : `closed with ${closeText(code)}`;
      const reason = `${device.label} got ${summarizeFrame(unclosed.frame)}, but its connection ${state} after ${timeoutMs} ms (expected ${closeText(wanted ?? 0)})`;
      throw actorFailure(device, reason, expected, matcher);
    }
    throw actorFailure(device, `${device.label} got no matching frame within ${timeoutMs} ms`, expected, matcher);
  }
  save(ctx, step.save, found.frame);
};

const CLOSE_NAMES = new Map<number, string>(Object.entries(CloseCode).map(([name, code]) => [code, name]));
const closeText = (code: number): string => `${code}${CLOSE_NAMES.has(code) ? ` (${CLOSE_NAMES.get(code)})` : ''}`;

/** Kuhn's augmenting paths: each matcher gets a distinct frame; returns frame index per matcher (-1: none). */
function assign(candidates: readonly number[][]): number[] {
  const owner = new Map<number, number>();
  const tryAssign = (m: number, seen: Set<number>): boolean => {
    for (const f of candidates[m] ?? []) {
      if (seen.has(f)) continue;
      seen.add(f);
      const current = owner.get(f);
      if (current === undefined || tryAssign(current, seen)) {
        owner.set(f, m);
        return true;
      }
    }
    return false;
  };
  candidates.forEach((_, m) => tryAssign(m, new Set()));
  const result = candidates.map(() => -1);
  for (const [f, m] of owner) result[m] = f;
  return result;
}

/**
 * How far a multi-matcher expectation got in the inbox: a frame for every matcher (in matcher
 * order), or how many matchers found one and the first that did not.
 */
type Picked = LoggedFrame[] | { found: number; missing: number };

/** A StepFailed naming the device and one of the step's matchers (for its closest frame, or `frame`'s diff). */
type Fail = (reason: string, matcher: number, frame?: ServerFrame) => StepFailed;

/**
 * expect_all / expect_seq: waits until `pick` finds a frame for every matcher, then consumes
 * them (nothing is consumed before) and saves their frames. `how` says how they had to be
 * found, for the timeout failure. `pick` may throw `fail(…)` to fail the step at once.
 */
async function expectEach(
  step: StepOf<'expect_all' | 'expect_seq'>,
  ctx: StepContext,
  how: string,
  pick: (frames: readonly LoggedFrame[], matchers: readonly Matcher[], fail: Fail) => Picked,
): Promise<void> {
  const device = target(step.actor, ctx);
  const { matchers, shown } = matchersOf(step.matches, ctx);
  const timeoutMs = timeoutOf(step, ctx.run);
  const { inbox } = device;
  const fail: Fail = (reason, matcher, frame) => actorFailure(device, `${device.label}: ${reason}`, shown, matchers[matcher], frame);
  let progress = { found: 0, missing: 0 };
  const picked = await inbox.until(
    () => {
      const result = pick(inbox.frames, matchers, fail);
      if (!Array.isArray(result)) {
        progress = result;
        return undefined;
      }
      inbox.remove(result, step.source);
      return result;
    },
    timeoutMs,
    ctx.signal,
  );
  if (!picked) {
    const { found, missing } = progress;
    throw fail(`${found} of ${matchers.length} matchers ${how} within ${timeoutMs} ms; nothing matched matches[${missing}]`, missing);
  }
  save(ctx, step.save, picked.map((e) => e.frame));
}

/** Every matcher consumes its own frame, in any order; nothing is consumed unless all are found. */
export const expectAll: Handler<'expect_all'> = (step, ctx) =>
  expectEach(step, ctx, 'found a frame', (frames, matchers) => {
    const best = assign(matchers.map((m) => frames.flatMap((e, i) => (matches(e.frame, m) ? [i] : []))));
    const missing = best.findIndex((f) => f < 0);
    if (missing < 0) return best.map((f) => frames[f] as LoggedFrame);
    return { found: best.filter((f) => f >= 0).length, missing };
  });

/**
 * The matchers find frames in order. A frame matching none of the remaining matchers is skipped
 * (and stays in the inbox); one matching a later matcher before the current one is found fails
 * the step at once: the order is wrong.
 */
export const expectSeq: Handler<'expect_seq'> = (step, ctx) =>
  expectEach(step, ctx, 'found in order', (frames, matchers, fail) => {
    const picked: LoggedFrame[] = [];
    for (const entry of frames) {
      if (picked.length === matchers.length) break;
      if (matches(entry.frame, matchers[picked.length])) {
        picked.push(entry);
        continue;
      }
      const later = matchers.findIndex((m, j) => j > picked.length && matches(entry.frame, m));
      if (later >= 0) {
        // The frame shown is the one that came too early, against the matcher it came before.
        throw fail(`out of order: ${summarizeFrame(entry.frame)} matches matches[${later}] but arrived before a frame matching matches[${picked.length}]`, picked.length, entry.frame);
      }
    }
    return picked.length === matchers.length ? picked : { found: picked.length, missing: picked.length };
  });

/** Nothing matching is in the inbox now or arrives within `forMs` (this step waits the window). */
export const expectNone: Handler<'expect_none'> = async (step, ctx) => {
  const device = target(step.actor, ctx);
  const { matcher, shown } = matcherOf(step.match, ctx);
  const { inbox } = device;
  const hit = await inbox.until(() => inbox.frames.find((e) => matches(e.frame, matcher)), step.forMs, ctx.signal);
  if (!hit) return;
  const failure = actorFailure(
    device,
    `${device.label} got a frame it should not have (at ${hit.at} ms): ${summarizeFrame(hit.frame)}`,
    `no frame matching ${shown} for ${step.forMs} ms`,
  );
  throw new StepFailed(failure.reason, { ...failure.detail, closest: { frame: hit.frame, diff: '(it matches)' } });
};
