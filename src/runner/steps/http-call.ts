import type { HttpMethod, ImHttp } from '../../client/http-client.js';

/** The API's prefix (docs/protocol.md §2); a step's `get:` / `post:` path is below it. */
const API_PREFIX = '/openapi/v1';
const MAX_BODY_CHARS = 300;

/**
 * One API call as the HTTP step sees it: the status and the body besides the envelope, so a
 * failure can show what the server answered, not only the field that differed.
 */
export interface HttpResponse {
  status: number;
  /** The envelope's code; undefined when the body is not an envelope. */
  code: number | undefined;
  msg: string;
  data: unknown;
  /** The body as received, clipped for failure output. */
  excerpt: string;
}

export async function httpCall(client: ImHttp, method: HttpMethod, path: string, body?: unknown, query?: Record<string, string>): Promise<HttpResponse> {
  const qs = query === undefined ? '' : new URLSearchParams(query).toString();
  const res = await client.raw(method, `${API_PREFIX}${path}${qs ? `?${qs}` : ''}`, body);
  const envelope = res.json as { code?: unknown; msg?: unknown; data?: unknown } | undefined;
  const isEnvelope = typeof envelope === 'object' && envelope !== null && typeof envelope.code === 'number';
  return {
    status: res.status,
    code: isEnvelope ? (envelope.code as number) : undefined,
    msg: isEnvelope && typeof envelope.msg === 'string' ? envelope.msg : '',
    data: isEnvelope ? envelope.data : undefined,
    excerpt: res.text.length > MAX_BODY_CHARS ? `${res.text.slice(0, MAX_BODY_CHARS)}…` : res.text || '(empty body)',
  };
}
