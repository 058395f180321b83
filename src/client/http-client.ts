import type { ConvType, MsgType } from '../protocol/codes.js';
import type {
  Content,
  ConversationSummary,
  FriendList,
  GroupInfo,
  GroupMember,
  GroupPolicy,
  LoginResult,
  Stamp,
} from '../protocol/frames.js';
import { ImClientError, ImRequestError, causeText } from './errors.js';

const API_PREFIX = '/openapi/v1';
const DEFAULT_TIMEOUT_MS = 10_000;

export type HttpMethod = 'GET' | 'POST';

export interface ImHttpOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Per-request deadline; past it the call fails with ImClientError('network'). */
  timeoutMs?: number;
  /** Told of every call that succeeded (e.g. so `im chat --record` can replay it); kept by `withToken()`. */
  observe?: (call: HttpCallRecord) => void;
}

/** A successful API call, as `observe` sees it. */
export interface HttpCallRecord {
  method: HttpMethod;
  /** Below `/openapi/v1`, e.g. `/group/create`. */
  path: string;
  body?: unknown;
  query?: Record<string, string>;
  data: unknown;
}

export interface GroupCreateRequest {
  groupId?: string;
  type: ConvType;
  name: string;
  members?: string[];
  policy?: GroupPolicy;
}

export interface SystemSendRequest {
  to: string;
  msgType: MsgType;
  content: Content;
}

/** What `raw()` saw: no envelope interpretation, no throwing on error codes. */
export interface RawHttpResponse {
  status: number;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  json: unknown;
}

export interface HealthResult {
  ok: boolean;
  status: number;
  body: unknown;
}

/**
 * Typed wrapper of the HTTP API of PROTOCOL.md §2. Every method resolves with the envelope's
 * `data`; a non-zero `code` rejects with ImRequestError, an unreachable server or a body that is
 * not an envelope with ImClientError. Immutable: `withToken()` returns a new instance.
 */
export class ImHttp {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly #timeoutMs: number;
  readonly #observe: ((call: HttpCallRecord) => void) | undefined;

  /** @param baseUrl e.g. `http://127.0.0.1:7700` (a trailing slash is ignored). */
  constructor(baseUrl: string, options: ImHttpOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#observe = options.observe;
  }

  withToken(token: string | undefined): ImHttp {
    const options: ImHttpOptions = { timeoutMs: this.#timeoutMs };
    if (token !== undefined) options.token = token;
    if (this.#observe !== undefined) options.observe = this.#observe;
    return new ImHttp(this.baseUrl, options);
  }

  // ---- users ---------------------------------------------------------------------------------

  register(userId: string, password: string, nickname?: string): Promise<{ userId: string }> {
    return this.#post('/user/register', nickname === undefined ? { userId, password } : { userId, password, nickname });
  }

  login(userId: string, password: string): Promise<LoginResult> {
    return this.#post('/user/login', { userId, password });
  }

  /** Revokes this client's token; its WebSocket connections are closed with 4003. */
  async logout(): Promise<void> {
    await this.#post('/user/logout', {});
  }

  /** Revokes every token of the user; resolves with a fresh token for this client to go on with. */
  changePassword(oldPassword: string, newPassword: string): Promise<LoginResult> {
    return this.#post('/user/password', { oldPassword, newPassword });
  }

  profile(userId: string): Promise<{ userId: string; nickname: string }> {
    return this.#get('/user/profile', { userId });
  }

  async block(userId: string): Promise<void> {
    await this.#post('/user/block', { userId });
  }

  async unblock(userId: string): Promise<void> {
    await this.#post('/user/unblock', { userId });
  }

  async settings(settings: { allowStrangers: boolean }): Promise<void> {
    await this.#post('/user/settings', settings);
  }

  // ---- friends -------------------------------------------------------------------------------

  /** Friends once both sides have added each other. */
  friendAdd(userId: string): Promise<{ status: 'pending' | 'friends' }> {
    return this.#post('/friend/add', { userId });
  }

  async friendRemove(userId: string): Promise<void> {
    await this.#post('/friend/remove', { userId });
  }

  friendList(): Promise<FriendList> {
    return this.#get('/friend/list');
  }

  // ---- groups --------------------------------------------------------------------------------

  groupCreate(request: GroupCreateRequest): Promise<{ groupId: string; convId: string }> {
    return this.#post('/group/create', request);
  }

  groupInfo(groupId: string): Promise<GroupInfo> {
    return this.#get('/group/info', { groupId });
  }

  async groupJoin(groupId: string): Promise<void> {
    await this.#post('/group/join', { groupId });
  }

  async groupAddMembers(groupId: string, members: string[]): Promise<void> {
    await this.#post('/group/add-members', { groupId, members });
  }

  async groupRemoveMembers(groupId: string, members: string[]): Promise<void> {
    await this.#post('/group/remove-members', { groupId, members });
  }

  async groupLeave(groupId: string): Promise<void> {
    await this.#post('/group/leave', { groupId });
  }

  async groupSetRole(groupId: string, userId: string, role: 'admin' | 'member'): Promise<void> {
    await this.#post('/group/set-role', { groupId, userId, role });
  }

  async groupMute(groupId: string, userId: string, muted: boolean): Promise<void> {
    await this.#post('/group/mute', { groupId, userId, muted });
  }

  groupMembers(groupId: string): Promise<{ members: GroupMember[] }> {
    return this.#get('/group/members', { groupId });
  }

  // ---- conversations, system, operations -----------------------------------------------------

  conversationList(): Promise<{ conversations: ConversationSummary[] }> {
    return this.#get('/conversation/list');
  }

  /** Needs the admin token (`withToken(adminToken)`). */
  systemSend(request: SystemSendRequest): Promise<Stamp> {
    return this.#post('/system/send', request);
  }

  /** Needs the admin token: users without passwords, each with a token, all or none (at most 1,000 per call). */
  async systemUsers(users: readonly { userId: string; nickname?: string }[]): Promise<LoginResult[]> {
    return (await this.#post<{ users: LoginResult[] }>('/system/users', { users })).users;
  }

  /** Never throws on an HTTP status: a 503 is an answer here, not a failure. */
  async healthz(): Promise<HealthResult> {
    const res = await this.raw('GET', '/healthz');
    return { ok: res.status === 200, status: res.status, body: res.json ?? res.text };
  }

  /** The Prometheus text exposition. */
  async metrics(): Promise<string> {
    const res = await this.raw('GET', '/metrics');
    if (res.status !== 200) {
      throw new ImClientError('protocol', `GET ${this.baseUrl}/metrics returned HTTP ${res.status}`);
    }
    return res.text;
  }

  // ---- the generic calls everything above goes through ---------------------------------------

  /** An API call (`path` below `/openapi/v1`); resolves with `data`, rejects on a non-zero code. */
  async call<T>(method: HttpMethod, path: string, body?: unknown, query?: Record<string, string>): Promise<T> {
    const fullPath = `${API_PREFIX}${path}${queryString(query)}`;
    const res = await this.raw(method, fullPath, body);
    const context = `${method} ${path}`;
    const envelope = res.json as { code?: unknown; msg?: unknown; data?: unknown; retryAfterMs?: unknown } | undefined;
    if (typeof envelope !== 'object' || envelope === null || typeof envelope.code !== 'number') {
      throw new ImClientError(
        'protocol',
        `${method} ${this.baseUrl}${fullPath} returned HTTP ${res.status} without a JSON envelope: ${snippet(res.text)}`,
      );
    }
    if (envelope.code !== 0) {
      const message = typeof envelope.msg === 'string' ? envelope.msg : '';
      const retryAfterMs = typeof envelope.retryAfterMs === 'number' ? envelope.retryAfterMs : undefined;
      throw new ImRequestError({ code: envelope.code, message, status: res.status, context, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    if (this.#observe !== undefined) {
      const call: HttpCallRecord = { method, path, data: envelope.data };
      if (body !== undefined) call.body = body;
      if (query !== undefined) call.query = query;
      this.#observe(call);
    }
    return envelope.data as T;
  }

  /**
   * One HTTP exchange with no interpretation, for tests that send malformed bodies: a string
   * body is sent verbatim, anything else as JSON. `path` is from the server root.
   */
  async raw(method: HttpMethod, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawHttpResponse> {
    const url = `${this.baseUrl}${path}`;
    const init: RequestInit = { method, headers: { ...this.#headers(body), ...headers }, signal: AbortSignal.timeout(this.#timeoutMs) };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, init);
      text = await res.text();
    } catch (e) {
      throw new ImClientError('network', `${method} ${url} failed: ${causeText(e)}`, { cause: e });
    }
    return { status: res.status, text, json: parseJson(text) };
  }

  #get<T>(path: string, query?: Record<string, string>): Promise<T> {
    return this.call<T>('GET', path, undefined, query);
  }

  #post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  #headers(body: unknown): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }
}

function queryString(query: Record<string, string> | undefined): string {
  if (!query) return '';
  const qs = new URLSearchParams(query).toString();
  return qs ? `?${qs}` : '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const snippet = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text || '(empty body)');
