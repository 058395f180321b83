import { CmdType, ConvType, MsgType } from '../../protocol/codes.js';
import { isCmd, type PushFrame, type ServerFrame } from '../../protocol/frames.js';
import { HTTP_POST_PATHS } from '../../runner/surface.js';
import type { HttpEvent } from '../session/session-types.js';
import { historyStep, readNotifyStep, readStep, syncStep, type BuildContext, type ReadLog } from './request-steps.js';
import { isJson, type Json, type RecordedEvent, type StepDoc } from './recording-types.js';
import { deviceNames, isGroupType, type SessionSurvey } from './session-survey.js';
import { lazySave } from './volatile-fields.js';
import { convLabel, errorLabel, GROUP_PREFIXES, msgLabel, splitConvId } from './wire-names.js';

/**
 * The second pass: one step per event that the replay can reproduce, in the order the events
 * happened. A SEND becomes a send step at the moment it was written, so every PUSH it caused —
 * which came later — is expected after it; the ack or error that answered it decides the step's
 * `save:` or `expect_error:`.
 */

/**
 * Calls that change the world and that a user may make; reads (GET) assert nothing the replay can
 * know, accounts are the scenario's `users:`, and /system/send needs the admin token.
 */
const NOT_REPLAYED: ReadonlySet<string> = new Set(['/user/register', '/user/login', '/system/send']);
const REPLAYED_POSTS: ReadonlySet<string> = new Set(HTTP_POST_PATHS.filter((path) => !NOT_REPLAYED.has(path)));

export interface BuildOptions {
  typing: boolean;
}

export class StepBuilder {
  readonly #reads: ReadLog = new Set();
  readonly #existing = new Set<string>();
  /** user, device, msgId: a push the recording saw twice is a server fault, not something to replay. */
  readonly #expected = new Set<string>();
  /** clientMsgIds already replayed: im chat resends an unacked message with the same id after a reconnect. */
  readonly #sentIds = new Set<string>();
  readonly ctx: BuildContext;

  constructor(
    private readonly events: readonly RecordedEvent[],
    private readonly survey: SessionSurvey,
    parts: Pick<BuildContext, 'captures' | 'literals'>,
    private readonly options: BuildOptions,
  ) {
    for (const g of survey.groups) this.#existing.add(`${String(g.type)}:${String(g.id)}`);
    const names = deviceNames(survey.devices);
    this.ctx = {
      ...parts,
      actor: (user, device) => {
        const mine = names.get(user);
        return mine === undefined || mine.size < 2 ? user : `${user}@${mine.get(device) ?? device}`;
      },
      convExists: (convId) => this.#convExists(convId),
    };
  }

  /** Whether the replay's server has the conversation by now: a group, or a pair with a stored message. */
  #convExists(convId: string): boolean {
    if (this.#existing.has(convId) || this.ctx.captures.isGenerated(convId)) return true;
    const parsed = splitConvId(convId);
    return parsed !== undefined && !GROUP_PREFIXES.has(parsed.type) && this.ctx.captures.stored(convId).length > 0;
  }

  build(): StepDoc[] {
    const answered = new Set(this.survey.replies.values());
    const steps: StepDoc[] = [];
    this.events.forEach((e, i) => {
      const step = e.kind === 'http' ? this.#http(e.user, e.event) : answered.has(i) ? undefined : this.#wire(e, i);
      if (step) steps.push(step);
    });
    return steps;
  }

  #reply(i: number): ServerFrame | undefined {
    const r = this.survey.replies.get(i);
    const event = r === undefined ? undefined : this.events[r];
    return event?.kind === 'wire' && event.event.direction === 'in' ? event.event.frame : undefined;
  }

  #wire(e: Extract<RecordedEvent, { kind: 'wire' }>, i: number): StepDoc | undefined {
    const { user, device, event } = e;
    if (event.direction === 'in') {
      const frame = event.frame;
      if (isCmd(frame, CmdType.PUSH)) return this.#push(user, device, frame);
      if (isCmd(frame, CmdType.READ_NOTIFY)) return readNotifyStep(user, device, frame.content, this.ctx, this.#reads);
      return undefined;
    }
    const frame = event.frame;
    const request = { user, device, content: isJson(frame.content) ? frame.content : {}, reply: this.#reply(i) };
    switch (frame.header.cmd) {
      case CmdType.SEND:
        return this.#send(user, device, frame, request.reply);
      case CmdType.READ:
        return readStep(request, this.ctx, this.#reads);
      case CmdType.SYNC:
        return syncStep(request, this.ctx);
      case CmdType.HISTORY:
        return historyStep(request, this.ctx);
      default:
        return undefined;
    }
  }

  #send(user: string, device: string, frame: Json, reply: ServerFrame | undefined): StepDoc | undefined {
    const { captures, literals } = this.ctx;
    const route = isJson(frame.route) ? frame.route : {};
    const control = isJson(frame.control) ? frame.control : {};
    const options = isJson(frame.options) ? frame.options : {};
    const content = isJson(frame.content) ? frame.content : {};
    const msgType = route.msgType ?? MsgType.TEXT;
    if (msgType === MsgType.TYPING && !this.options.typing) return undefined;
    const to = typeof route.to === 'string' ? route.to : String(route.to);
    const body: Json = { from: this.ctx.actor(user, device), to: isGroupType(route.convType) ? captures.id(to) : literals.text(to) };
    if (route.convType !== undefined && route.convType !== ConvType.SINGLE) body.type = convLabel(route.convType);
    if (msgType !== MsgType.TEXT) body.msg_type = msgLabel(msgType);
    const keys = Object.keys(content);
    if (keys.length === 1 && typeof content.text === 'string') body.text = literals.text(content.text);
    else if (keys.length > 0 || msgType !== MsgType.TYPING) body.content = literals.deep(content);
    if (typeof control.persist === 'boolean') body.persist = control.persist;
    if (typeof control.sync === 'boolean') body.sync = control.sync;
    // The id itself is noise in a replay; what matters is that a resend is replayed once.
    if (typeof control.clientMsgId === 'string') {
      // A SEND that was never answered (the connection dropped) is replayed by the resend that followed it.
      if (reply === undefined || this.#sentIds.has(control.clientMsgId)) return undefined;
      this.#sentIds.add(control.clientMsgId);
    }
    if (Object.keys(options).length > 0) body.raw = { options: literals.deep(options) };
    if (reply && isCmd(reply, CmdType.ERROR)) return { send: { ...body, expect_error: errorLabel(reply.content.code) } };
    if (!reply || !isCmd(reply, CmdType.SEND_ACK)) return { send: body };
    const save = captures.name('m');
    const sent = captures.addMessage(save, reply.stamp);
    captures.addPts(user, reply.stamp.pts, sent.msgId, () => `{{${save}.pts}}`);
    return { send: body, save };
  }

  #push(user: string, device: string, frame: PushFrame): StepDoc | undefined {
    const { captures, literals } = this.ctx;
    const sent = captures.message(frame.stamp.msgId);
    // A message from outside the session (another client, an admin) will not be sent in the replay.
    if (!sent) return undefined;
    const key = `${user}\n${device}\n${sent.msgId}`;
    if (this.#expected.has(key)) return undefined;
    this.#expected.add(key);
    const { route, stamp } = frame;
    const content = literals.matcher(frame.content, 'content');
    const seq = stamp.seq === undefined ? { $exists: false } : sent.seq === undefined ? undefined : `{{${sent.save}.seq}}`;
    const match: Json = {
      cmd: 'PUSH',
      route: { convType: convLabel(route.convType), msgType: msgLabel(route.msgType), from: route.from, to: isGroupType(route.convType) ? captures.id(route.to) : route.to },
      ...(isJson(content) && Object.keys(content).length > 0 ? { content } : {}),
      stamp: { msgId: `{{${sent.save}.msgId}}`, convId: captures.conv(stamp.convId), ...(seq === undefined ? {} : { seq }) },
    };
    const step: StepDoc = { expect: { user: this.ctx.actor(user, device), frame: match } };
    captures.addPts(user, stamp.pts, sent.msgId, lazySave(step, captures, 'p', 'stamp.pts'));
    return step;
  }

  #http(user: string, event: HttpEvent): StepDoc | undefined {
    if (event.method !== 'POST' || !REPLAYED_POSTS.has(event.path)) return undefined;
    const { captures, literals } = this.ctx;
    const ids = (value: unknown): unknown => {
      if (typeof value === 'string') return captures.isGenerated(value) ? captures.id(value) : literals.text(value);
      if (Array.isArray(value)) return value.map(ids);
      return isJson(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ids(v)])) : value;
    };
    const body = isJson(event.body) ? ids(event.body) : undefined;
    const step: StepDoc = { http: { as: user, post: event.path, ...(body === undefined ? {} : { body }) } };
    if (event.path === '/group/create' && isJson(event.data)) {
      const save = captures.name('g');
      captures.addGroup(save, event.data);
      step.save = save;
    }
    return step;
  }
}
