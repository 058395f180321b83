import type { ClientFrameOut, WireEvent } from '../../../src/chat/session/session-types.js';
import { CmdType, ConvType, MsgType } from '../../../src/protocol/codes.js';
import type { ServerFrame, Stamp } from '../../../src/protocol/frames.js';

/** Hand-made frames for the pure mapping tests, shaped as the client writes and decodes them. */

let clock = 1_700_000_000_000;
const at = () => clock++;

export const out = (frame: ClientFrameOut): WireEvent => ({ direction: 'out', frame, at: at() });
export const inbound = (frame: ServerFrame): WireEvent => ({ direction: 'in', frame, at: at() });

export interface SendOptions {
  convType?: number;
  msgType?: number;
  control?: Record<string, unknown>;
}

export function sendFrame(reqId: string, to: string, content: Record<string, unknown>, o: SendOptions = {}): ClientFrameOut {
  return {
    header: { cmd: CmdType.SEND, reqId },
    route: { convType: o.convType ?? ConvType.SINGLE, msgType: o.msgType ?? MsgType.TEXT, to },
    content,
    control: o.control ?? {},
    options: {},
  };
}

export const request = (cmd: number, reqId: string, content: Record<string, unknown>): ClientFrameOut => ({ header: { cmd, reqId }, content });

export const ack = (reqId: string, stamp: Stamp): ServerFrame => ({ header: { version: 1, cmd: CmdType.SEND_ACK, reqId }, content: {}, stamp });

export const errorReply = (reqId: string, code: number): ServerFrame =>
  ({ header: { version: 1, cmd: CmdType.ERROR, reqId }, content: { code, message: 'refused' } }) as ServerFrame;

export function push(from: string, to: string, content: Record<string, unknown>, stamp: Stamp, o: SendOptions = {}): ServerFrame {
  return {
    header: { version: 1, cmd: CmdType.PUSH },
    route: { convType: (o.convType ?? ConvType.SINGLE) as ConvType, msgType: (o.msgType ?? MsgType.TEXT) as MsgType, from, to },
    content,
    control: {},
    options: {},
    stamp,
  };
}

export const reply = (cmd: number, reqId: string, content: Record<string, unknown>): ServerFrame =>
  ({ header: { version: 1, cmd, reqId }, content }) as ServerFrame;
