import type { ImClient } from '../../../src/client/im-client.js';
import { ImHttp } from '../../../src/client/http-client.js';
import type { ClientFrameOut } from '../../../src/chat/session/session-types.js';
import type { SessionRecorder } from '../../../src/chat/record/scenario-recorder.js';
import type { Harness, TestServer, TestUser } from '../../helpers/server.js';

/**
 * What `im chat --record` does with a session, done by hand over real clients: every frame a
 * connection writes or reads goes to the recorder as a WireEvent, every successful HTTP call as
 * an HttpEvent.
 */

export function recordClient(recorder: SessionRecorder, user: string, client: ImClient): ImClient {
  client.on('sent', (frame) => recorder.recordWire(user, client.deviceId, { direction: 'out', frame: frame as ClientFrameOut, at: Date.now() }));
  client.on('received', (frame) => recorder.recordWire(user, client.deviceId, { direction: 'in', frame, at: Date.now() }));
  return client;
}

export async function connectRecorded(h: Harness, server: TestServer, user: TestUser, recorder: SessionRecorder, deviceId = 'tui'): Promise<ImClient> {
  return recordClient(recorder, user.userId, await h.connect(server, user, deviceId));
}

export function recordedHttp(server: TestServer, user: TestUser, recorder: SessionRecorder): ImHttp {
  return new ImHttp(server.httpUrl, {
    token: user.token,
    observe: (call) =>
      recorder.recordHttp(user.userId, {
        method: call.method,
        path: call.path,
        ...(typeof call.body === 'object' && call.body !== null ? { body: call.body as Record<string, unknown> } : {}),
        data: call.data,
        at: Date.now(),
      }),
  });
}
