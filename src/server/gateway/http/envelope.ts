import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_STATUS, errorName } from '../../../protocol/codes.js';
import type { HttpEnvelope } from '../../../protocol/frames.js';
import { ImError, toWireError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { RoutingError, TextReply, type Reply } from './endpoint.js';

function write(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(body);
}

/** Success: `{"code":0,"msg":"ok","data":…}`, or the text of a TextReply. */
export function replyOk(res: ServerResponse, reply: Reply): void {
  if (reply instanceof TextReply) return write(res, 200, reply.contentType, reply.text);
  const envelope: HttpEnvelope = { code: 0, msg: 'ok', data: reply };
  write(res, 200, 'application/json; charset=utf-8', JSON.stringify(envelope));
}

export interface ErrorSinks {
  metrics: Metrics;
  logger: Logger;
}

/**
 * THE error path of the HTTP API: any thrown value becomes `{"code","msg"}` with the HTTP status
 * of its code (PROTOCOL.md §5). ImError keeps its code and message; anything else is INTERNAL,
 * its stack logged and never sent. Every error is counted in `im_errors_total{code}`.
 */
export function replyError(req: IncomingMessage, res: ServerResponse, e: unknown, sinks: ErrorSinks): void {
  const { code, message, retryAfterMs } = toWireError(e);
  const status = e instanceof ImError ? e.httpStatus : HTTP_STATUS[code];
  sinks.metrics.errors.inc({ code });
  const fields = { method: req.method, path: req.url?.split('?')[0], status, code: `${code}/${errorName(code)}`, msg: message };
  if (status >= 500) sinks.logger.error('http request failed', { ...fields, err: e });
  else sinks.logger.info('http request refused', fields);

  const extra: Record<string, string> = {};
  if (e instanceof RoutingError && e.allowed.length > 0) extra.allow = e.allowed.join(', ');
  // Answering before the body was read (auth refused, too large): close rather than make the
  // connection wait for, and discard, a body nobody will use.
  if (!req.complete) extra.connection = 'close';
  if (retryAfterMs !== undefined) extra['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  const envelope: HttpEnvelope = retryAfterMs === undefined ? { code, msg: message } : { code, msg: message, retryAfterMs };
  write(res, status, 'application/json; charset=utf-8', JSON.stringify(envelope), extra);
}
