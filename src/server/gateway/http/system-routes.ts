import { z } from 'zod';
import { ErrorCode, MsgType, isMsgType } from '../../../protocol/codes.js';
import type { Content, Stamp } from '../../../protocol/frames.js';
import { checkMessageContent } from '../../../protocol/decode.js';
import { ImError, err } from '../../errors.js';
import { MAX_PROVISION, type Accounts } from '../../domain/accounts.js';
import { idField, parseInput } from './body.js';
import { post, type Endpoint } from './endpoint.js';

const sendBody = z.object({
  to: idField,
  msgType: z.custom<MsgType>(isMsgType, 'is not a MsgType').default(MsgType.SYSTEM),
  content: z.record(z.string(), z.unknown()),
});

const usersBody = z.object({
  users: z.array(z.object({ userId: idField, nickname: z.string().min(1).max(64).optional() })).min(1).max(MAX_PROVISION),
});

export interface SystemRouteDeps {
  accounts: Accounts;
  /** The content limit of §3, the same one a WebSocket SEND gets. */
  maxContentBytes: number;
  systemSend(to: string, msgType: MsgType, content: Content): Promise<Stamp>;
}

/**
 * Admin token only. §2 /system/send: a SYSTEM_CONVERSATION message to one user; data is the
 * stamp. /system/users (this project's, docs/protocol.md): users without passwords, with a token
 * each, all or none.
 */
export function systemRoutes({ accounts, maxContentBytes, systemSend }: SystemRouteDeps): Endpoint[] {
  async function send(input: unknown) {
    const { to, msgType, content } = parseInput(sendBody, input);
    if (Buffer.byteLength(JSON.stringify(content)) > maxContentBytes) {
      throw new ImError(ErrorCode.CONTENT_TOO_LARGE, `content is over ${maxContentBytes} bytes`);
    }
    const invalid = checkMessageContent(msgType, content);
    if (invalid) throw err.badFrame(invalid);
    return systemSend(to, msgType, content);
  }

  async function provision(input: unknown) {
    return { users: await accounts.provision(parseInput(usersBody, input).users) };
  }

  return [post('/system/send', 'admin', send), post('/system/users', 'admin', provision)];
}
