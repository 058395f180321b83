import { z } from 'zod';
import { ErrorCode, MsgType, isMsgType } from '../../../protocol/codes.js';
import type { Content, Stamp } from '../../../protocol/frames.js';
import { checkMessageContent } from '../../../protocol/decode.js';
import { ImError, err } from '../../errors.js';
import { idField, parseInput } from './body.js';
import { post, type Endpoint } from './endpoint.js';

const sendBody = z.object({
  to: idField,
  msgType: z.custom<MsgType>(isMsgType, 'is not a MsgType').default(MsgType.SYSTEM),
  content: z.record(z.string(), z.unknown()),
});

export interface SystemRouteDeps {
  /** The content limit of §3, the same one a WebSocket SEND gets. */
  maxContentBytes: number;
  systemSend(to: string, msgType: MsgType, content: Content): Promise<Stamp>;
}

/** §2 /system/send (admin token): a SYSTEM_CONVERSATION message to one user; data is the stamp. */
export function systemRoutes({ maxContentBytes, systemSend }: SystemRouteDeps): Endpoint[] {
  async function send(input: unknown) {
    const { to, msgType, content } = parseInput(sendBody, input);
    if (Buffer.byteLength(JSON.stringify(content)) > maxContentBytes) {
      throw new ImError(ErrorCode.CONTENT_TOO_LARGE, `content is over ${maxContentBytes} bytes`);
    }
    const invalid = checkMessageContent(msgType, content);
    if (invalid) throw err.badFrame(invalid);
    return systemSend(to, msgType, content);
  }

  return [post('/system/send', 'admin', send)];
}
