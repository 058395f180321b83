import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { ErrorCode } from '../protocol/codes.js';
import { ImClientError, ImRequestError, causeText } from './errors.js';

/** The WebSocket URL for an HTTP base: http→ws, https→wss, plus `/ws`. */
export function wsEndpoint(httpBase: string): string {
  const url = new URL(httpBase);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws`;
  return url.toString();
}

/** `endpoint` with the §3 query (`token`, `deviceId`, `platform`) set. */
export function connectUrl(endpoint: string, query: { token: string; deviceId: string; platform?: string }): string {
  const url = new URL(endpoint);
  url.searchParams.set('token', query.token);
  url.searchParams.set('deviceId', query.deviceId);
  if (query.platform !== undefined) url.searchParams.set('platform', query.platform);
  return url.toString();
}

/** The URL as it may appear in error messages and logs: the token is a credential. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.searchParams.has('token')) parsed.searchParams.set('token', '***');
  return parsed.toString();
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * The error for a handshake answered with something other than 101. A §5 envelope in the body
 * wins; a bare 401 is TOKEN_INVALID (§3: a bad or expired token is refused with HTTP 401).
 */
function refusal(status: number, body: string, where: string): Error {
  const context = `WebSocket handshake to ${where}`;
  let envelope: { code?: unknown; msg?: unknown } | undefined;
  try {
    envelope = JSON.parse(body) as typeof envelope;
  } catch {
    envelope = undefined;
  }
  if (typeof envelope?.code === 'number' && envelope.code !== 0) {
    const message = typeof envelope.msg === 'string' ? envelope.msg : `refused with HTTP ${status}`;
    return new ImRequestError({ code: envelope.code, message, status, context });
  }
  if (status === 401) {
    return new ImRequestError({ code: ErrorCode.TOKEN_INVALID, message: 'refused with HTTP 401', status, context });
  }
  const shown = body.length > 200 ? `${body.slice(0, 200)}…` : body;
  return new ImClientError('handshake', `${context} was refused with HTTP ${status}${shown ? `: ${shown}` : ''}`);
}

/**
 * Resolves when `ws` is open; rejects with ImRequestError for a refusal that carries a code
 * (401 included), ImClientError('handshake') for another refusal, ImClientError('network') when
 * the server cannot be reached.
 */
export function awaitOpen(ws: WebSocket, url: string): Promise<void> {
  const where = redactUrl(url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      ws.off('open', onOpen);
      ws.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onOpen = () => settle();
    const onClose = () => settle(new ImClientError('network', `cannot connect to ${where}: closed during the handshake`));
    ws.once('open', onOpen);
    ws.once('close', onClose);
    // Registered for good: terminate() after a refusal emits one more 'error', which must not throw.
    ws.on('error', (e) => settle(new ImClientError('network', `cannot connect to ${where}: ${causeText(e)}`, { cause: e })));
    ws.once('unexpected-response', (_req, res) => {
      void readBody(res).then((body) => {
        settle(refusal(res.statusCode ?? 0, body, where));
        ws.terminate();
      });
    });
  });
}
