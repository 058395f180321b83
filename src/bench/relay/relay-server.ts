import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CmdType, ConvType, PROTOCOL_VERSION } from '../../protocol/codes.js';
import { convIdFor } from '../../protocol/ids.js';

/**
 * The baseline of `im bench`: the least a server must do to carry the same frames. It parses each
 * JSON frame, encodes one PUSH per message and one SEND_ACK, and sends the PUSH to every device of
 * every recipient; no storage, no checks, no pts. A token is the userId itself. The figures of
 * im divided by this relay's, measured in the same run, mean the same on any machine.
 */

export interface Relay {
  /** http://host:port; WebSockets at /ws, as on im. */
  httpUrl: string;
  close(): Promise<void>;
}

interface RelayFrame {
  header?: { cmd?: number; reqId?: string };
  route?: { convType?: number; msgType?: number; to?: string };
  content?: unknown;
  control?: unknown;
}

export async function startRelay(options: { host?: string; port?: number } = {}): Promise<Relay> {
  const devices = new Map<string, Set<WebSocket>>();
  // Set by POST /groups: the bench tells the relay who is in each group, as it tells im by HTTP.
  const groups = new Map<string, string[]>();
  const seqs = new Map<string, number>();
  let nextMsgId = 0;

  const http = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/groups') return void readGroup(req, res, groups);
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const userId = url.searchParams.get('token');
    if (url.pathname !== '/ws' || !userId) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      let mine = devices.get(userId);
      if (!mine) devices.set(userId, (mine = new Set()));
      mine.add(ws);
      ws.on('close', () => mine.delete(ws));
      ws.on('message', (data) => onFrame(userId, ws, data.toString()));
    });
  });

  function onFrame(from: string, ws: WebSocket, text: string): void {
    let frame: RelayFrame;
    try {
      frame = JSON.parse(text) as RelayFrame;
    } catch {
      return;
    }
    const cmd = frame.header?.cmd;
    const reqId = frame.header?.reqId;
    if (cmd === CmdType.PING) {
      ws.send(JSON.stringify({ header: { version: PROTOCOL_VERSION, cmd: CmdType.PONG, reqId }, content: {} }));
      return;
    }
    if (cmd !== CmdType.SEND || !frame.route?.to) return;
    const convType = (frame.route.convType ?? ConvType.SINGLE) as ConvType;
    const to = frame.route.to;
    const convId = convIdFor(convType, from, to);
    const seq = (seqs.get(convId) ?? 0) + 1;
    seqs.set(convId, seq);
    const stamp = { msgId: String(++nextMsgId), convId, seq, sendTime: Date.now() };
    const push = JSON.stringify({
      header: { version: PROTOCOL_VERSION, cmd: CmdType.PUSH },
      route: { convType, msgType: frame.route.msgType, from, to },
      content: frame.content ?? {},
      control: frame.control ?? {},
      options: {},
      stamp,
    });
    const recipients = convType === ConvType.SINGLE || convType === ConvType.STRANGER_CHAT ? [to] : (groups.get(to) ?? []);
    for (const userId of recipients) {
      if (userId === from) continue;
      const sockets = devices.get(userId);
      if (sockets) for (const s of sockets) s.send(push);
    }
    ws.send(JSON.stringify({ header: { version: PROTOCOL_VERSION, cmd: CmdType.SEND_ACK, reqId }, content: {}, stamp }));
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    httpUrl: `http://${options.host ?? '127.0.0.1'}:${port}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function readGroup(req: IncomingMessage, res: ServerResponse, groups: Map<string, string[]>): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { groupId?: unknown; members?: unknown };
      if (typeof body.groupId !== 'string' || !Array.isArray(body.members)) throw new Error('groupId and members');
      groups.set(body.groupId, body.members.map(String));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
    } catch {
      res.writeHead(400).end();
    }
  });
}
