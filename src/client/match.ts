import { CmdType, cmdName, errorName } from '../protocol/codes.js';
import type { ConvType, MsgType } from '../protocol/codes.js';
import type { ErrorFrame, KickFrame, PushFrame, ReadNotifyFrame, ServerFrame } from '../protocol/frames.js';

/** The server frame type that carries command `C`. */
export type FrameOf<C extends CmdType> = Extract<ServerFrame, { header: { cmd: C } }>;

export type FramePredicate = (frame: ServerFrame) => boolean;

/** Narrows a frame by `header.cmd` (TypeScript does not narrow unions on a nested discriminant). */
export const isFrame = <C extends CmdType>(frame: ServerFrame, cmd: C): frame is FrameOf<C> => frame.header.cmd === cmd;

/** A type-guarding predicate with a label that timeout errors quote. */
export interface FrameMatcher<F extends ServerFrame = ServerFrame> {
  (frame: ServerFrame): frame is F;
  readonly label: string;
}

function matcher<F extends ServerFrame>(label: string, test: (frame: ServerFrame) => boolean): FrameMatcher<F> {
  return Object.assign((frame: ServerFrame): frame is F => test(frame), { label });
}

function describeWhere(where: object): string {
  const fields = Object.entries(where).filter(([, v]) => v !== undefined);
  return fields.length === 0 ? '' : ` ${fields.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`;
}

export interface PushWhere {
  from?: string;
  to?: string;
  convId?: string;
  convType?: ConvType;
  msgType?: MsgType;
  /** `content.text` equals this. */
  text?: string;
  seq?: number;
  pts?: number;
}

function pushMatches(f: PushFrame, w: PushWhere): boolean {
  return (
    (w.from === undefined || f.route.from === w.from) &&
    (w.to === undefined || f.route.to === w.to) &&
    (w.convId === undefined || f.stamp.convId === w.convId) &&
    (w.convType === undefined || f.route.convType === w.convType) &&
    (w.msgType === undefined || f.route.msgType === w.msgType) &&
    (w.text === undefined || f.content.text === w.text) &&
    (w.seq === undefined || f.stamp.seq === w.seq) &&
    (w.pts === undefined || f.stamp.pts === w.pts)
  );
}

/** Ready-made predicates for `waitFor` / `take`. */
export const match = {
  cmd<C extends CmdType>(cmd: C): FrameMatcher<FrameOf<C>> {
    return matcher(cmdName(cmd), (f) => f.header.cmd === cmd);
  },

  push(where: PushWhere = {}): FrameMatcher<PushFrame> {
    return matcher(`PUSH${describeWhere(where)}`, (f) => isFrame(f, CmdType.PUSH) && pushMatches(f, where));
  },

  /** An ERROR frame, optionally with this code. */
  error(code?: number): FrameMatcher<ErrorFrame> {
    const label = code === undefined ? 'ERROR' : `ERROR ${errorName(code)}(${code})`;
    return matcher(label, (f) => isFrame(f, CmdType.ERROR) && (code === undefined || f.content.code === code));
  },

  kick(): FrameMatcher<KickFrame> {
    return matcher('KICK', (f) => f.header.cmd === CmdType.KICK);
  },

  readNotify(where: { convId?: string; userId?: string; readSeq?: number } = {}): FrameMatcher<ReadNotifyFrame> {
    return matcher(
      `READ_NOTIFY${describeWhere(where)}`,
      (f) =>
        isFrame(f, CmdType.READ_NOTIFY) &&
        (where.convId === undefined || f.content.convId === where.convId) &&
        (where.userId === undefined || f.content.userId === where.userId) &&
        (where.readSeq === undefined || f.content.readSeq === where.readSeq),
    );
  },
};
