import { ConvType, MsgType } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { registerUsers, type ConnectedUser, type Harness, type TestServer, type TestUser } from '../helpers/server.js';

/** What the bad-input tests (bad-frames.test.ts, hostile-input.test.ts) share. */

/** The conversation of alice and bob. */
export const SINGLE = pairConvId(ConvType.SINGLE, 'alice', 'bob');

/** A SINGLE TEXT route to bob, with any field replaced or added (for frames sent with `request()`). */
export const route = (overrides: Record<string, unknown> = {}) => ({ convType: ConvType.SINGLE, msgType: MsgType.TEXT, to: 'bob', ...overrides });

/** Registers `userIds` on `server` and connects each (deviceId `default`) through `harness`. */
export async function connectAll<const T extends readonly string[]>(
  server: TestServer,
  harness: Pick<Harness, 'connect'>,
  userIds: T,
): Promise<{ -readonly [K in keyof T]: ConnectedUser }> {
  const users: TestUser[] = await registerUsers(server, userIds);
  const connected = await Promise.all(users.map(async (user) => ({ ...user, client: await harness.connect(server, user) })));
  return connected as { -readonly [K in keyof T]: ConnectedUser };
}
