import { ConvType, errorName } from '../../protocol/codes.js';
import type { Stamp } from '../../protocol/frames.js';
import { SYSTEM_USER } from '../../protocol/ids.js';
import { parseActor } from '../actors.js';
import { diff, diffLine } from '../diff.js';
import { compare, displayMatcher, normalizeMatcher } from '../match.js';
import type { HttpStep, StepFailure } from '../types.js';
import { compact, resolve, StepFailed, timeoutOf, type Handler, type StepContext } from './context.js';
import { httpCall, type HttpResponse } from './http-call.js';

type Json = Record<string, unknown>;

const codeText = (code: number): string => (code === 0 ? 'code 0 (ok)' : `code ${code} ${errorName(code)}`);

function tokenFor(as: string, ctx: StepContext): string | undefined {
  if (as === 'anonymous') return undefined;
  if (as === 'admin') {
    if (ctx.run.adminToken === undefined) throw new StepFailed('an `as: admin` step needs the admin token (--admin-token)');
    return ctx.run.adminToken;
  }
  const user = ctx.run.actors.user(parseActor(as).user);
  if (user.token === undefined) throw new StepFailed(`${as} is not logged in`);
  return user.token;
}

/** Groups created by the scenario get the run's prefix too, so register the name before mapping. */
function mapBody(path: string, body: Json | undefined, ctx: StepContext): Json | undefined {
  if (body === undefined) return undefined;
  if (path === '/group/create' && typeof body.groupId === 'string') ctx.run.ids.addGroup(body.groupId);
  return ctx.run.ids.deep(body) as Json;
}

/** Successful membership changes feed the model the invariants and recipients use. */
function track(path: string, as: string, body: Json, data: unknown, ctx: StepContext): void {
  const { membership, actors, clock } = ctx.run;
  const caller = as === 'admin' || as === 'anonymous' ? undefined : actors.user(parseActor(as).user).id;
  const groupId = typeof body.groupId === 'string' ? body.groupId : (data as Json | undefined)?.groupId;
  if (typeof groupId !== 'string') return;
  const members = Array.isArray(body.members) ? body.members.filter((m): m is string => typeof m === 'string') : [];
  const at = clock();
  switch (path) {
    case '/group/create': {
      const convId = (data as Json | undefined)?.convId;
      if (typeof convId === 'string' && caller !== undefined) membership.created(groupId, convId, [caller, ...members], at);
      return;
    }
    case '/group/add-members':
      for (const m of members) membership.joined(groupId, m, at);
      return;
    case '/group/remove-members':
      for (const m of members) membership.left(groupId, m, at);
      return;
    case '/group/join':
      if (caller !== undefined) membership.joined(groupId, caller, at);
      return;
    case '/group/leave':
      if (caller !== undefined) membership.left(groupId, caller, at);
      return;
    default:
      return;
  }
}

/** A `/system/send` is a message like any other for the invariants and latency: record it. */
function recordSystemSend(body: Json, stamp: unknown, at: number, ctx: StepContext): void {
  const to = body.to;
  if (typeof to !== 'string' || typeof stamp !== 'object' || stamp === null) return;
  ctx.run.sends.push({
    user: SYSTEM_USER,
    device: 'http',
    convType: ConvType.SYSTEM_CONVERSATION,
    to,
    at,
    ack: stamp as Stamp,
    ackAt: ctx.run.clock(),
    persist: true,
    syncToSender: false,
    recipients: [to],
  });
}

/** The response as a failure shows it (an HTTP answer has no closest frame to show instead). */
const responseOf = (r: HttpResponse): NonNullable<StepFailure['response']> => ({ status: r.status, code: r.code ?? null, body: r.excerpt });

/** Any HTTP call; checks the envelope code and (partially) `data`; `save` stores `data`. */
export const http: Handler<'http'> = async (step: HttpStep, ctx) => {
  const as = resolve(step.as, ctx);
  const path = resolve(step.path, ctx);
  const body = mapBody(path, resolve(step.body, ctx), ctx);
  const query = ctx.run.ids.deep(resolve(step.query, ctx)) as Record<string, string> | undefined;
  const matcher = step.expect === undefined ? undefined : normalizeMatcher(ctx.run.ids.deep(resolve(step.expect, ctx)));
  const expected = `${step.method} ${path} → ${codeText(step.expectCode)}${matcher === undefined ? '' : ` with data ${compact(displayMatcher(matcher))}`}`;
  const actor = as === 'admin' || as === 'anonymous' ? {} : { actor: as };
  const user = as === 'admin' || as === 'anonymous' ? undefined : ctx.run.actors.user(parseActor(as).user);
  const client = ctx.run.actors.http(tokenFor(as, ctx), timeoutOf(step, ctx.run), user);
  const startedAt = ctx.run.clock();
  let response: HttpResponse;
  try {
    response = await httpCall(client, step.method, path, body, query);
  } catch (e) {
    throw new StepFailed(`${step.method} ${path} failed: ${e instanceof Error ? e.message : String(e)}`, { expected, ...actor });
  }
  const fail = (reason: string, more: { expected?: string } = {}) => new StepFailed(reason, { expected, ...actor, response: responseOf(response), ...more });
  const { code, data } = response;
  if (code === undefined) throw fail(`${step.method} ${path} answered HTTP ${response.status} without a JSON envelope`);
  if (code !== step.expectCode) throw fail(`got ${codeText(code)}${code === 0 ? '' : `: ${response.msg}`} (HTTP ${response.status})`);
  if (code === 0) track(path, as, body ?? {}, data, ctx);
  if (code === 0 && path === '/system/send') recordSystemSend(body ?? {}, data, startedAt, ctx);
  // Paths start at `data` (or at the error envelope), as the response excerpt shows them.
  const [actual, wanted] = code === 0 ? [{ data }, { data: matcher }] : [{ code, msg: response.msg }, matcher];
  const mismatches = matcher === undefined ? [] : compare(actual, wanted).mismatches;
  if (mismatches.length > 0) {
    // The first field in the one-line reason, every field under `expected`: data is not a frame, so there is no closest-frame diff.
    const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more)` : '';
    throw fail(`${code === 0 ? 'data' : 'the error'} does not match: ${diffLine(mismatches[0]!)}${more}`, { expected: `${expected}\ndiff:\n${diff(actual, wanted)}` });
  }
  if (step.save !== undefined) ctx.run.templates.saved.set(step.save, code === 0 ? data : { code, msg: response.msg });
};
