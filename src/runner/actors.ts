import { FrameSharer } from '../client/frame-sharer.js';
import { ImClient } from '../client/im-client.js';
import { ImHttp } from '../client/http-client.js';
import type { ServerFrame } from '../protocol/frames.js';
import type { RunNodes } from './nodes.js';
import type { DeviceRecord, DeviceSession, LoggedFrame, Source } from './types.js';

/**
 * The simulated users: one UserHandle per scenario user, one Device per user@device. A Device
 * outlives its connections: its log, inbox, sessions and lastPts carry across reconnects, so
 * `expect` sees a frame that arrived before a disconnect and the invariants see every session.
 */

/** ms since the scenario started. */
export type Clock = () => number;

export class RunAborted extends Error {
  constructor() {
    super('the run was aborted');
    this.name = 'RunAborted';
  }
}

/**
 * Why a frame of a device's log is, or is not, in its inbox: a failure that shows a frame the
 * expectation could not take must say why, or it contradicts itself.
 */
export type FrameFate =
  | { state: 'unread' }
  /** An expectation took it; `by` is that step. */
  | { state: 'consumed'; by: Source | undefined }
  /** It answered one of the device's own requests (SEND_ACK, SYNC_RESP, …): never in the inbox. */
  | { state: 'reply' };

/**
 * The frames nobody asked for (PUSH, READ_NOTIFY, KICK, uncorrelated ERROR), kept until an
 * expectation consumes them. Replies to requests never land here.
 */
export class DeviceInbox {
  readonly frames: LoggedFrame[] = [];
  readonly #listeners = new Set<() => void>();
  /** By frame object, which the device log shares with the inbox entries. */
  readonly #offered = new WeakSet<ServerFrame>();
  readonly #consumedBy = new WeakMap<ServerFrame, Source | undefined>();

  offer(entry: LoggedFrame): void {
    this.#offered.add(entry.frame);
    this.frames.push(entry);
    for (const listener of [...this.#listeners]) listener();
  }

  fate(frame: ServerFrame): FrameFate {
    if (!this.#offered.has(frame)) return { state: 'reply' };
    if (this.#consumedBy.has(frame)) return { state: 'consumed', by: this.#consumedBy.get(frame) };
    return { state: 'unread' };
  }

  /** Calls `listener` on every arrival (and `notify`) until the returned function is called. */
  onArrival(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-runs pending `until` checks without a new frame (a connection closed, say). */
  notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Consumes `entries`; `by` is the step that took them, for later failures to name. */
  remove(entries: readonly LoggedFrame[], by?: Source): void {
    for (const e of entries) this.#consumedBy.set(e.frame, by);
    const gone = new Set(entries);
    const kept = this.frames.filter((e) => !gone.has(e));
    this.frames.splice(0, this.frames.length, ...kept);
  }

  /**
   * Resolves with `check()`'s first defined result, evaluated now and after every arrival;
   * undefined once `timeoutMs` passes. A throwing check rejects (a fail-fast expectation).
   */
  until<T>(check: () => T | undefined, timeoutMs: number, signal: AbortSignal): Promise<T | undefined> {
    if (signal.aborted) return Promise.reject(new RunAborted());
    const first = check();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T | undefined>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        signal.removeEventListener('abort', onAbort);
      };
      const listener = () => {
        try {
          const found = check();
          if (found === undefined) return;
          cleanup();
          resolve(found);
        } catch (e) {
          cleanup();
          reject(e);
        }
      };
      const onAbort = () => {
        cleanup();
        reject(new RunAborted());
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(undefined);
      }, timeoutMs);
      this.#listeners.add(listener);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

interface Connection {
  client: ImClient;
  session: DeviceSession;
  /** The node it is open to (0-based). */
  node: number;
  /** The WebSocket close code, once closed. */
  closeCode?: number;
  /**
   * Every frame it received, replies included, as the entries the device inbox holds too: one
   * entry per frame (ImClient keeps no log of its own here), which a 1,000-user run needs.
   */
  log: LoggedFrame[];
}

export interface UserHandle {
  /** The name in the scenario file. */
  name: string;
  /** The real userId (the name, prefixed with the run id against `--server`). */
  id: string;
  password: string;
  nickname?: string;
  token?: string;
  devices: Map<string, Device>;
}

export class Device {
  readonly inbox = new DeviceInbox();
  /** Frames this device sent (SEND and other requests), for transcripts. */
  readonly sent: LoggedFrame[] = [];
  readonly #connections: Connection[] = [];
  /** Which connection each inbox entry arrived on. */
  readonly #origin = new WeakMap<LoggedFrame, Connection>();
  readonly #clock: Clock;
  #lastPts = 0;
  /** The node this device connects to unless a step names another (0-based; set by setup). */
  home = 0;

  constructor(
    readonly user: UserHandle,
    readonly id: string,
    clock: Clock,
    private readonly nodes: RunNodes,
    private readonly sharer?: FrameSharer,
  ) {
    this.#clock = clock;
  }

  /** `alice@phone`. */
  get label(): string {
    return `${this.user.name}@${this.id}`;
  }

  get client(): ImClient | undefined {
    const current = this.#connections.at(-1);
    return current && current.session.closedAt === undefined && current.client.isOpen ? current.client : undefined;
  }

  /** The highest pts this device has seen, across its connections. */
  get lastPts(): number {
    const current = this.#connections.at(-1)?.client.lastPts ?? 0;
    return Math.max(this.#lastPts, current);
  }

  /** The node of the open connection (0-based), if any. */
  get node(): number | undefined {
    const current = this.#connections.at(-1);
    return current && current.session.closedAt === undefined ? current.node : undefined;
  }

  /**
   * Every frame received, across connections, in arrival order (`at` relative to the start),
   * each with the node it came through when the run has several.
   */
  log(): LoggedFrame[] {
    // One connection: its log as it is, not a copy of a million entries.
    if (this.#connections.length === 1) return this.#connections[0]!.log;
    return this.#connections.flatMap((c) => c.log).sort((a, b) => a.at - b.at);
  }

  last(): LoggedFrame | undefined {
    let latest: LoggedFrame | undefined;
    for (const { log } of this.#connections) {
      const tail = log.at(-1);
      if (tail && (!latest || tail.at >= latest.at)) latest = tail;
    }
    return latest;
  }

  #entry(frame: ServerFrame, at: number, node: number): LoggedFrame {
    return this.nodes.several ? { at, frame, node: node + 1 } : { at, frame };
  }

  /**
   * Opens a new connection carrying lastPts, to node `node` (0-based) or else to the device's
   * own node (the next live one while that is down). The previous one, if still open, is closed
   * first, unless `closePrevious` is false: then both are open until the server KICKs the older
   * one, whose frames (the KICK included) stay in this device's inbox and log.
   */
  async connect(timeoutMs: number, closePrevious = true, node?: number): Promise<ImClient> {
    if (closePrevious && this.client) await this.disconnect('clean');
    const token = this.user.token;
    if (token === undefined) throw new Error(`${this.label} has no token (not logged in)`);
    const target = node ?? this.nodes.pick(this.home);
    const session: DeviceSession = { openedAt: this.#clock() };
    const client = await ImClient.connect({
      url: this.nodes.url(target),
      token,
      userId: this.user.id,
      deviceId: this.id,
      platform: 'scenario',
      lastPts: this.lastPts,
      requestTimeoutMs: timeoutMs,
      connectTimeoutMs: timeoutMs,
      recordFrames: false,
      ...(this.sharer ? { sharer: this.sharer } : {}),
    });
    const connection: Connection = { client, session, node: target, log: [] };
    this.#connections.push(connection);
    // 'received' comes for every frame, before the reply it may be is settled; 'frame' then for the unsolicited ones.
    client.on('received', (frame) => connection.log.push(this.#entry(frame, this.#clock(), target)));
    client.on('frame', (frame) => this.#onFrame(connection, frame));
    client.on('close', (info: { code: number }) => {
      session.closedAt ??= this.#clock();
      connection.closeCode = info.code;
      this.#lastPts = Math.max(this.#lastPts, client.lastPts);
      this.inbox.notify();
    });
    client.on('error', () => undefined);
    return client;
  }

  /**
   * The close code of the connection `entry` (an inbox frame) arrived on: undefined while that
   * connection is open, or when the entry is not this device's.
   */
  closeCodeOf(entry: LoggedFrame): number | undefined {
    return this.#origin.get(entry)?.closeCode;
  }

  /**
   * clean: close frame and wait for the server's; abrupt: the socket is destroyed. Every open
   * connection of the device goes (there are two only after `connect` with closePrevious false).
   */
  async disconnect(mode: 'clean' | 'abrupt'): Promise<void> {
    const open = this.#connections.filter((c) => c.session.closedAt === undefined);
    await Promise.all(
      open.map(async (c) => {
        await (mode === 'clean' ? c.client.close() : c.client.terminate());
        c.session.closedAt ??= this.#clock();
        this.#lastPts = Math.max(this.#lastPts, c.client.lastPts);
      }),
    );
  }

  logSent(frame: unknown): void {
    // Client frames share the LoggedFrame shape in transcripts; they are never matched against.
    this.sent.push(this.#entry(frame as ServerFrame, this.#clock(), this.node ?? this.nodes.pick(this.home)));
  }

  record(): DeviceRecord {
    return { user: this.user.id, device: this.id, frames: this.log(), sessions: this.#connections.map((c) => ({ ...c.session })) };
  }

  #onFrame(connection: Connection, frame: ServerFrame): void {
    // The device inbox is the one expectations read; the client's own would only grow.
    connection.client.take((f) => f === frame);
    const logged = connection.log.at(-1);
    const entry = logged?.frame === frame ? logged : this.#entry(frame, this.#clock(), connection.node);
    this.#origin.set(entry, connection);
    this.inbox.offer(entry);
  }
}

/** Parses `alice` / `alice@phone`. */
export function parseActor(ref: string): { user: string; device: string | undefined } {
  const at = ref.indexOf('@');
  return at < 0 ? { user: ref, device: undefined } : { user: ref.slice(0, at), device: ref.slice(at + 1) };
}

export class Actors {
  readonly users = new Map<string, UserHandle>();
  /** One for the run: every device keeps every frame, and 1,000 members' PUSHes of a message share their parts. */
  readonly #sharer = new FrameSharer();

  constructor(
    readonly nodes: RunNodes,
    readonly t0: number,
    readonly clock: Clock,
  ) {}

  add(user: Omit<UserHandle, 'devices'>, devices: readonly string[]): UserHandle {
    const handle: UserHandle = { ...user, devices: new Map() };
    for (const id of devices.length > 0 ? devices : ['default']) handle.devices.set(id, new Device(handle, id, this.clock, this.nodes, this.#sharer));
    this.users.set(user.name, handle);
    return handle;
  }

  user(name: string): UserHandle {
    const handle = this.users.get(name);
    if (!handle) throw new Error(`unknown user "${name}" (known: ${[...this.users.keys()].slice(0, 10).join(', ')})`);
    return handle;
  }

  /** `alice` means alice@default (or alice's only/first device when she has no `default`). */
  device(ref: string): Device {
    const { user, device } = parseActor(ref);
    const handle = this.user(user);
    const id = device ?? (handle.devices.has('default') ? 'default' : handle.devices.keys().next().value);
    const found = id === undefined ? undefined : handle.devices.get(id);
    if (!found) throw new Error(`unknown device "${ref}" (${user} has ${[...handle.devices.keys()].join(', ')})`);
    return found;
  }

  /** A connected device's client, or an error naming the actor. */
  client(ref: string): { device: Device; client: ImClient } {
    const device = this.device(ref);
    const client = device.client;
    if (!client) throw new Error(`${device.label} is not connected`);
    return { device, client };
  }

  devices(): Device[] {
    return [...this.users.values()].flatMap((u) => [...u.devices.values()]);
  }

  /**
   * HTTP as `user` goes to the node of the user's first device (the next live one while it is
   * down); as the admin or anonymously, to the first live node.
   */
  http(token?: string, timeoutMs?: number, user?: UserHandle): ImHttp {
    const options = timeoutMs === undefined ? {} : { timeoutMs };
    const home = user?.devices.values().next().value?.home ?? 0;
    return new ImHttp(this.nodes.url(this.nodes.pick(home)), token === undefined ? options : { ...options, token });
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.devices().map((d) => d.disconnect('clean')));
  }
}
