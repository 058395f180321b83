import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ConversationSummary, FriendList, GroupMember, GroupRole } from '../../src/protocol/frames.js';
import type { JsonReport } from '../../src/runner/reporters/json.js';
import { createServer, type CreateServerOptions, type ImServer } from '../../src/server/create-server.js';
import { SessionRegistry, type DeliveryTarget } from '../../src/server/deliver/session-registry.js';
import { CmdType } from '../../src/protocol/codes.js';
import type {
  AppendResult,
  ConversationRecord,
  GroupRecord,
  HistoryPage,
  HistoryQuery,
  InboxPage,
  MemberSnapshot,
  MessageStore,
  NodeClaim,
  NodeLease,
  NewGroup,
  NewMessage,
  NewUser,
  PairRelation,
  ReadResult,
  TokenStatus,
  UserRecord,
} from '../../src/server/store/message-store.js';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store.js';
import type { Bus, BusEvent } from '../../src/server/sync/bus.js';
import { MemoryBus } from '../../src/server/sync/memory-bus.js';

/**
 * Deliberately broken servers, for proving that the scenario suite catches server bugs
 * (mutation testing at the level of the two ports). Each mutant is the REAL server
 * (`createServer`) over the REAL adapters — `SqliteStore.open(':memory:')` and `MemoryBus` —
 * with one small decorator around one of them that breaks one guarantee of PROTOCOL.md.
 * Nothing in src/ is touched; the decorators forward everything they do not break.
 *
 *   const { server, mutant, fired } = await startMutantServer('duplicated-push');
 *   // node bin/im.js scenario run scenarios/ --server server.httpUrl --admin-token server.adminToken
 *   await server.close();
 *
 * `fired()` counts how often the mutation actually changed something, so a MISSED mutant can be
 * told apart from one the suite never exercised.
 */

// ---- forwarding decorators ---------------------------------------------------------------

/** Forwards every method of the store port to `inner`; a mutant overrides the ones it breaks. */
export class ForwardingStore implements MessageStore {
  constructor(protected readonly inner: MessageStore) {}
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  getOrInitMeta(key: string, init: () => string): Promise<string> {
    return this.inner.getOrInitMeta(key, init);
  }
  claimNode(claim: NodeClaim): Promise<NodeLease> {
    return this.inner.claimNode(claim);
  }
  renewNode(nodeId: number, instance: string, ttlMs: number): Promise<boolean> {
    return this.inner.renewNode(nodeId, instance, ttlMs);
  }
  releaseNode(nodeId: number, instance: string): Promise<void> {
    return this.inner.releaseNode(nodeId, instance);
  }
  createUsers(users: readonly NewUser[]): Promise<void> {
    return this.inner.createUsers(users);
  }
  getUser(userId: string): Promise<UserRecord | undefined> {
    return this.inner.getUser(userId);
  }
  setPassword(userId: string, passwordHash: string): Promise<number> {
    return this.inner.setPassword(userId, passwordHash);
  }
  revokeToken(userId: string, tokenHash: string, expiresAt: number): Promise<void> {
    return this.inner.revokeToken(userId, tokenHash, expiresAt);
  }
  tokenStatus(userId: string, tokenHash: string): Promise<TokenStatus | undefined> {
    return this.inner.tokenStatus(userId, tokenHash);
  }
  blockersOf(userId: string, among: readonly string[]): Promise<string[]> {
    return this.inner.blockersOf(userId, among);
  }
  existingUsers(userIds: readonly string[]): Promise<Set<string>> {
    return this.inner.existingUsers(userIds);
  }
  setAllowStrangers(userId: string, allow: boolean): Promise<void> {
    return this.inner.setAllowStrangers(userId, allow);
  }
  addFriend(userId: string, friendId: string): Promise<'pending' | 'friends'> {
    return this.inner.addFriend(userId, friendId);
  }
  removeFriend(userId: string, friendId: string): Promise<void> {
    return this.inner.removeFriend(userId, friendId);
  }
  listFriends(userId: string): Promise<FriendList> {
    return this.inner.listFriends(userId);
  }
  areFriends(a: string, b: string): Promise<boolean> {
    return this.inner.areFriends(a, b);
  }
  block(userId: string, blockedId: string): Promise<void> {
    return this.inner.block(userId, blockedId);
  }
  unblock(userId: string, blockedId: string): Promise<void> {
    return this.inner.unblock(userId, blockedId);
  }
  isBlockedEitherWay(a: string, b: string): Promise<boolean> {
    return this.inner.isBlockedEitherWay(a, b);
  }
  relation(from: string, to: string): Promise<PairRelation | undefined> {
    return this.inner.relation(from, to);
  }
  createGroup(group: NewGroup): Promise<void> {
    return this.inner.createGroup(group);
  }
  getGroup(groupId: string): Promise<GroupRecord | undefined> {
    return this.inner.getGroup(groupId);
  }
  countMembers(groupId: string): Promise<number> {
    return this.inner.countMembers(groupId);
  }
  getMember(groupId: string, userId: string): Promise<GroupMember | undefined> {
    return this.inner.getMember(groupId, userId);
  }
  listMembers(groupId: string): Promise<GroupMember[]> {
    return this.inner.listMembers(groupId);
  }
  memberIds(groupId: string): Promise<readonly string[]> {
    return this.inner.memberIds(groupId);
  }
  memberSnapshot(groupId: string): Promise<MemberSnapshot> {
    return this.inner.memberSnapshot(groupId);
  }
  addMembers(groupId: string, userIds: readonly string[]): Promise<string[]> {
    return this.inner.addMembers(groupId, userIds);
  }
  removeMembers(groupId: string, userIds: readonly string[]): Promise<string[]> {
    return this.inner.removeMembers(groupId, userIds);
  }
  setRole(groupId: string, userId: string, role: Exclude<GroupRole, 'owner'>): Promise<void> {
    return this.inner.setRole(groupId, userId, role);
  }
  setMuted(groupId: string, userId: string, muted: boolean): Promise<void> {
    return this.inner.setMuted(groupId, userId, muted);
  }
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    return this.inner.appendMessages(batch);
  }
  findByClientMsgId(from: string, clientMsgId: string): Promise<AppendResult | undefined> {
    return this.inner.findByClientMsgId(from, clientMsgId);
  }
  readInbox(userId: string, sincePts: number, limit: number): Promise<InboxPage> {
    return this.inner.readInbox(userId, sincePts, limit);
  }
  readHistory(convId: string, query: HistoryQuery): Promise<HistoryPage> {
    return this.inner.readHistory(convId, query);
  }
  getConversation(convId: string): Promise<ConversationRecord | undefined> {
    return this.inner.getConversation(convId);
  }
  markRead(userId: string, convId: string, seq: number): Promise<ReadResult> {
    return this.inner.markRead(userId, convId, seq);
  }
  listConversations(userId: string): Promise<ConversationSummary[]> {
    return this.inner.listConversations(userId);
  }
}

/** Forwards the bus port to `inner`; a mutant overrides `publish`. */
export class ForwardingBus implements Bus {
  constructor(protected readonly inner: Bus) {}
  publish(event: BusEvent): void {
    this.inner.publish(event);
  }
  subscribe(handler: (event: BusEvent) => void): Promise<() => Promise<void>> {
    return this.inner.subscribe(handler);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * How often a mutation actually changed something, and where: each hit names the conversation or
 * user it touched, so a report can tell which scenario it happened in (ids carry the run prefix).
 */
export class Hits {
  n = 0;
  readonly where = new Map<string, number>();
  hit(where: string): void {
    this.n++;
    this.where.set(where, (this.where.get(where) ?? 0) + 1);
  }
}

// ---- the mutants -----------------------------------------------------------------------------

/**
 * The delivery edge: what the node finally writes to its connections, after the deliverer has
 * ordered pushes and filled gaps. (A bus that loses or repeats events no longer breaks anything
 * a client sees: the deliverer fills a lost pts from the store and drops a repeated one, so
 * these mutants break the writes themselves.)
 */
class MutantSessions extends SessionRegistry {
  readonly #wrapped = new WeakMap<DeliveryTarget, DeliveryTarget>();
  constructor(private readonly write: (target: DeliveryTarget, text: string, cmd: number) => void) {
    super();
  }
  override add(t: DeliveryTarget): void {
    const write = this.write;
    const wrapped: DeliveryTarget = {
      connId: t.connId,
      userId: t.userId,
      deviceId: t.deviceId,
      tokenHash: t.tokenHash,
      send: (text, cmd) => write(t, text, cmd),
      kick: (reason) => t.kick(reason),
      revoke: (reason) => t.revoke(reason),
    };
    this.#wrapped.set(t, wrapped);
    super.add(wrapped);
  }
  override remove(t: DeliveryTarget): void {
    super.remove(this.#wrapped.get(t) ?? t);
  }
}

/** 1. Every PUSH is written twice to the connection. */
class DuplicatedPushSessions extends MutantSessions {
  constructor(hits: Hits) {
    super((target, text, cmd) => {
      target.send(text, cmd);
      if (cmd !== CmdType.PUSH) return;
      hits.hit(target.userId);
      target.send(text, cmd);
    });
  }
}

/**
 * 2. Every 3rd PUSH written to a connection of someone besides its sender is not written. The
 * inbox row stays, so a SYNC still returns the message.
 */
class LostPushSessions extends MutantSessions {
  constructor(hits: Hits) {
    let n = 0;
    super((target, text, cmd) => {
      if (cmd === CmdType.PUSH && ++n % 3 === 0) {
        hits.hit(target.userId);
        return;
      }
      target.send(text, cmd);
    });
  }
}

/**
 * 3. Every 4th stored message reports every pts one too high in its result: the SEND_ACK and the
 * PUSHes skip a pts (and the next message repeats it), while the inbox rows (SYNC) stay right.
 */
class SkippedPtsStore extends ForwardingStore {
  private n = 0;
  constructor(inner: MessageStore, private readonly hits: Hits) {
    super(inner);
  }
  override async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    const results = await this.inner.appendMessages(batch);
    return results.map((r) => {
      if (r.duplicate || Object.keys(r.pts).length === 0) return r;
      if (++this.n % 4 !== 0) return r;
      this.hits.hit(r.convId);
      return { ...r, pts: Object.fromEntries(Object.entries(r.pts).map(([u, p]) => [u, p + 1])) };
    });
  }
}

/**
 * 4. Every 5th stored message reports seq − 1 in its result: its SEND_ACK and PUSHes carry the
 * previous message's seq (two msgIds under one seq), while HISTORY stays right.
 */
class RepeatedSeqStore extends ForwardingStore {
  private n = 0;
  constructor(inner: MessageStore, private readonly hits: Hits) {
    super(inner);
  }
  override async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    const results = await this.inner.appendMessages(batch);
    return results.map((r) => {
      if (r.duplicate) return r;
      if (++this.n % 5 !== 0) return r;
      this.hits.hit(r.convId);
      return { ...r, seq: r.seq - 1 };
    });
  }
}

/**
 * 5. The member list returns the members plus one registered user who is not a member: through
 * `memberIds()` (the filter's write-diffusion list) a group message gets an inbox row and a PUSH
 * for an outsider; through `memberSnapshot()` (each node's fan-out cache, read diffusion and
 * transient messages) the outsider's online devices get the PUSH. The outsider is the earliest
 * registered non-member among the users whose id shares the longest prefix with the group id —
 * against `--server` that is a user of the same scenario (`<runId>-<n>-name`), whose devices the
 * runner watches; a user of another scenario would see the leak unobserved.
 */
class LeakyMembersStore extends ForwardingStore {
  private readonly users: string[] = [];
  constructor(inner: MessageStore, private readonly hits: Hits) {
    super(inner);
  }
  override async createUsers(users: readonly NewUser[]): Promise<void> {
    await this.inner.createUsers(users);
    this.users.push(...users.map((u) => u.userId));
  }
  override async memberIds(groupId: string): Promise<readonly string[]> {
    return this.leak(groupId, await this.inner.memberIds(groupId));
  }
  override async memberSnapshot(groupId: string): Promise<MemberSnapshot> {
    const snapshot = await this.inner.memberSnapshot(groupId);
    return { version: snapshot.version, ids: this.leak(groupId, snapshot.ids) };
  }
  private leak(groupId: string, members: readonly string[]): readonly string[] {
    const inside = new Set(members);
    let outsider: string | undefined;
    let best = -1;
    for (const u of this.users) {
      if (inside.has(u)) continue;
      const shared = commonPrefix(u, groupId);
      if (shared > best) {
        best = shared;
        outsider = u;
      }
    }
    if (outsider === undefined) return members;
    this.hits.hit(groupId);
    // The real list is the adapter's cache, shared between messages: return a new array.
    return [...members, outsider];
  }
}

/**
 * 6. Sender spoofing: the server trusts the sender the client claims. The real bug — the server
 * taking `route.from` from the client's frame instead of the authenticated user — cannot be built
 * as a decorator: `decode()` drops `route.from` in the gateway, before any port sees the frame.
 * What does reach the bus is every other field a client controls, passed through untouched:
 * `options` and `content`. So the stand-in trusts a claimed sender there: a message whose
 * `options.from` (else `content.from`; `forgedFrom` in either is read too) names a user other than
 * the authenticated sender is pushed with that user as `route.from`. A scenario that forges
 * `route.from` and repeats the claim in `options`/`content` (scenarios/spoofing.yaml) therefore
 * sees what a recipient of the real bug would see.
 *
 * Limitations: a SEND that forges `route.from` alone never fires it (the claim is gone before the
 * bus); only PUSH frames lie — the store keeps the real sender, so HISTORY and SYNC stay right;
 * and the claim is not checked to be a real user, which the real bug would not check either.
 */
class SpoofedFromBus extends ForwardingBus {
  constructor(inner: Bus, private readonly hits: Hits) {
    super(inner);
  }
  override publish(event: BusEvent): void {
    if (event.kind !== 'message') return this.inner.publish(event);
    const m = event.message;
    const claimed = claimedFrom(event.options) ?? claimedFrom(m.content);
    if (claimed === undefined || claimed === m.from) return this.inner.publish(event);
    this.hits.hit(m.convId);
    this.inner.publish({ ...event, message: { ...m, from: claimed } });
  }
}

/**
 * 7. The idempotency check is gone: `findByClientMsgId` never finds anything and the append never
 * sees a clientMsgId, so a retried SEND is stored (and pushed) again under a new msgId.
 */
class NoIdempotencyStore extends ForwardingStore {
  /** (from, clientMsgId) appended so far: one seen again is a retry the real store would not store. */
  private readonly appended = new Set<string>();
  constructor(inner: MessageStore, private readonly hits: Hits) {
    super(inner);
  }
  override async findByClientMsgId(_from: string, _clientMsgId: string): Promise<AppendResult | undefined> {
    return undefined;
  }
  override appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    for (const m of batch) {
      if (m.clientMsgId === undefined) continue;
      const key = `${m.from}\n${m.clientMsgId}`;
      if (this.appended.has(key)) this.hits.hit(m.convId);
      this.appended.add(key);
    }
    return this.inner.appendMessages(batch.map(({ clientMsgId: _dropped, ...m }) => m));
  }
}

/** 8. `relation()` says `blocked` where the truth is "not friends": NOT_FRIENDS becomes BLOCKED. */
class WrongErrorCodeStore extends ForwardingStore {
  constructor(inner: MessageStore, private readonly hits: Hits) {
    super(inner);
  }
  override async relation(from: string, to: string): Promise<PairRelation | undefined> {
    const r = await this.inner.relation(from, to);
    if (!r || r.blocked || r.friends) return r;
    this.hits.hit(from);
    return { ...r, blocked: true };
  }
}

/**
 * 9. READ never stores: `markRead` answers with the old readSeq (the real store asked for seq 0,
 * which never moves it), so unread never goes down and no READ_NOTIFY is sent.
 */
class StuckUnreadStore extends ForwardingStore {
  constructor(inner: MessageStore, private readonly hits: Hits) {
    super(inner);
  }
  override async markRead(userId: string, convId: string, seq: number): Promise<ReadResult> {
    const old = await this.inner.markRead(userId, convId, 0);
    if (seq > old.readSeq && old.unread > 0) this.hits.hit(convId);
    return old;
  }
}

// ---- the catalogue ---------------------------------------------------------------------------

export const MUTANT_IDS = [
  'duplicated-push',
  'lost-push',
  'skipped-pts',
  'repeated-seq',
  'group-leak',
  'trusted-route-from',
  'no-idempotency',
  'wrong-error-code',
  'stuck-unread',
] as const;

export type MutantId = (typeof MUTANT_IDS)[number];

export interface Mutant {
  id: MutantId;
  /** 1–9, as in the brief. */
  n: number;
  title: string;
  /** Which port is decorated. */
  port: 'bus' | 'store' | 'delivery';
  /** What the decorator does, in one line. */
  how: string;
  /** Present when the decorator only approximates the bug. */
  caveat?: string;
  /**
   * Present when the bug cannot be built as a store/bus decorator: `npm run mutants` then lists
   * the mutant as skipped, and runs its approximation only when asked for by id (`--only`).
   */
  notExpressible?: string;
  wrap(parts: { store: MessageStore; bus: Bus }, hits: Hits): { store: MessageStore; bus: Bus; sessions?: SessionRegistry };
}

export const MUTANTS: readonly Mutant[] = [
  {
    id: 'duplicated-push',
    n: 1,
    title: 'duplicated push',
    port: 'delivery',
    how: 'writes every PUSH twice to the connection',
    wrap: ({ store, bus }, h) => ({ store, bus, sessions: new DuplicatedPushSessions(h) }),
  },
  {
    id: 'lost-push',
    n: 2,
    title: 'lost push',
    port: 'delivery',
    how: 'every 3rd PUSH written to a connection is not written',
    wrap: ({ store, bus }, h) => ({ store, bus, sessions: new LostPushSessions(h) }),
  },
  {
    id: 'skipped-pts',
    n: 3,
    title: 'skipped pts',
    port: 'store',
    how: 'appendMessages reports pts + 1 for every recipient of every 4th message',
    wrap: ({ store, bus }, h) => ({ store: new SkippedPtsStore(store, h), bus }),
  },
  {
    id: 'repeated-seq',
    n: 4,
    title: 'repeated seq',
    port: 'store',
    how: 'appendMessages reports seq − 1 for every 5th message',
    wrap: ({ store, bus }, h) => ({ store: new RepeatedSeqStore(store, h), bus }),
  },
  {
    id: 'group-leak',
    n: 5,
    title: 'group message leaked to a non-member',
    port: 'store',
    how: 'memberIds() and memberSnapshot() add one registered non-member (of the same run prefix)',
    wrap: ({ store, bus }, h) => ({ store: new LeakyMembersStore(store, h), bus }),
  },
  {
    id: 'trusted-route-from',
    n: 6,
    title: 'trusted route.from',
    port: 'bus',
    how: 'a message whose options.from / content.from claims another sender is pushed with that user as route.from',
    caveat:
      'approximation only: fires when the forged route.from is repeated in options/content (a forged route.from alone never reaches the bus); PUSH lies, HISTORY/SYNC stay right',
    notExpressible:
      'the client\'s route.from never reaches a port (decode() drops it in the gateway), so trusting it needs a gateway/pipeline hook',
    wrap: ({ store, bus }, h) => ({ store, bus: new SpoofedFromBus(bus, h) }),
  },
  {
    id: 'no-idempotency',
    n: 7,
    title: 'lost idempotency check',
    port: 'store',
    how: 'findByClientMsgId always misses and appendMessages strips clientMsgId',
    wrap: ({ store, bus }, h) => ({ store: new NoIdempotencyStore(store, h), bus }),
  },
  {
    id: 'wrong-error-code',
    n: 8,
    title: 'wrong error code',
    port: 'store',
    how: 'relation() says blocked when the pair is merely not friends (NOT_FRIENDS → BLOCKED)',
    wrap: ({ store, bus }, h) => ({ store: new WrongErrorCodeStore(store, h), bus }),
  },
  {
    id: 'stuck-unread',
    n: 9,
    title: 'stuck unread',
    port: 'store',
    how: 'markRead returns the old readSeq and stores nothing',
    wrap: ({ store, bus }, h) => ({ store: new StuckUnreadStore(store, h), bus }),
  },
];

export function mutantById(id: MutantId): Mutant {
  const m = MUTANTS.find((x) => x.id === id);
  if (!m) throw new Error(`no mutant ${id}`);
  return m;
}

export interface MutantServer {
  server: ImServer;
  /** undefined for the unbroken baseline. */
  mutant: Mutant | undefined;
  /** How often the mutation changed something so far. */
  fired(): number;
  /** The same, by the conversation or user id each hit touched. */
  firedAt(): ReadonlyMap<string, number>;
}

/**
 * Starts the real server on a free port with `:memory:` SQLite, its store and bus wrapped by the
 * mutant's decorator — or, for `'baseline'`, by the plain forwarding decorators, so the unbroken
 * run goes through the same wrapping and proves that the wrapping alone breaks nothing.
 */
export async function startMutantServer(
  which: MutantId | 'baseline',
  options: Omit<CreateServerOptions, 'store' | 'bus'> = {},
): Promise<MutantServer> {
  const hits = new Hits();
  const real = { store: new ForwardingStore(SqliteStore.open(':memory:')), bus: new ForwardingBus(new MemoryBus()) };
  const mutant = which === 'baseline' ? undefined : mutantById(which);
  const { store, bus, sessions }: ReturnType<Mutant['wrap']> = mutant ? mutant.wrap(real, hits) : real;
  const server = await createServer({ host: '127.0.0.1', port: 0, db: ':memory:', logLevel: 'silent', ...options, store, bus, ...(sessions ? { sessions } : {}) });
  return { server, mutant, fired: () => hits.n, firedAt: () => new Map(hits.where) };
}

// ---- helpers ---------------------------------------------------------------------------------

function lastIndexWhere<T>(list: readonly T[], p: (x: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (p(list[i]!)) return i;
  return -1;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** A sender a client claims in a field that survives decode: `from`, else `forgedFrom`, when a non-empty string. */
function claimedFrom(fields: unknown): string | undefined {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return undefined;
  for (const key of ['from', 'forgedFrom']) {
    const v = (fields as Record<string, unknown>)[key];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
}

// ---- running the scenario suite against a server -----------------------------------------------

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin', 'im.js');

export interface SuiteOptions {
  /** Scenario files or directories (default `scenarios/`), relative to the project root. */
  paths?: readonly string[];
  seed?: number;
  /** Scenario files run at once against the one server (`--jobs`); default 1, so the mutants' "every Nth" counters hit the same messages every run. */
  jobs?: number;
  /** `--timeout`, e.g. `2s`. */
  timeout?: string;
}

export interface SuiteRun {
  /** The CLI's exit code: 0 all passed, 1 a scenario failed, 2 usage / a file that does not load. */
  exitCode: number;
  /** The parsed `--reporter json` document (undefined when stdout was not one). */
  report: JsonReport | undefined;
  stdout: string;
  stderr: string;
}

/**
 * `node bin/im.js scenario run PATHS --server URL --admin-token T --reporter json` as a child
 * process (dist/ must be built), resolved with its exit code and parsed report.
 */
export function runSuite(target: Pick<ImServer, 'httpUrl' | 'adminToken'>, options: SuiteOptions = {}): Promise<SuiteRun> {
  const args = [CLI, 'scenario', 'run', ...(options.paths ?? ['scenarios/'])];
  args.push('--server', target.httpUrl, '--admin-token', target.adminToken, '--reporter', 'json', '--jobs', String(options.jobs ?? 1));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.timeout !== undefined) args.push('--timeout', options.timeout);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('IM_')) env[k] = v;
  env.NO_COLOR = '1';
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (exitCode === -1) return reject(error);
      let report: JsonReport | undefined;
      try {
        report = JSON.parse(stdout) as JsonReport;
      } catch {
        report = undefined;
      }
      resolve({ exitCode, report, stdout, stderr });
    });
  });
}

/** Why one scenario failed, in the terms the brief asks for: the step, the invariant rules, the rest. */
export interface Detection {
  file: string;
  name: string;
  headline: string;
  /** The first failing step: `file:line` and its one-line reason. */
  step?: { at: string; reason: string };
  /** The invariant rules violated (each once), with the first message of each. */
  rules: { rule: string; count: number; first: string }[];
  /** Thresholds that did not hold, e.g. `duplicates == 0 (actual 3)`. */
  thresholds: string[];
  /** Actors left with unread frames under strict_inbox. */
  unread: string[];
  /** The scenario crashed or could not start. */
  error?: string;
}

type ReportResult = JsonReport['results'][number];

export function detectionOf(r: ReportResult): Detection {
  const rules = new Map<string, { rule: string; count: number; first: string }>();
  for (const v of r.violations) {
    const e = rules.get(v.rule);
    if (e) e.count++;
    else rules.set(v.rule, { rule: v.rule, count: 1, first: v.message });
  }
  const d: Detection = {
    file: r.file,
    name: r.name,
    headline: r.headline ?? '',
    rules: [...rules.values()],
    thresholds: r.thresholds
      .filter((t) => !t.passed)
      .map((t) => `${t.threshold.metric} ${t.threshold.op} ${t.threshold.value} (actual ${t.actual})`),
    unread: r.unconsumed.map((u) => `${u.actor} (${u.frames.length})`),
  };
  if (r.failure) d.step = { at: `${r.failure.source.file}:${r.failure.source.line}`, reason: r.failure.reason };
  if (r.error !== undefined) d.error = r.error;
  return d;
}

/** The failed scenarios of a run, each explained. */
export function detections(report: JsonReport): Detection[] {
  return report.results.filter((r) => !r.passed).map(detectionOf);
}

/**
 * Which scenario file each hit of a mutation happened in. Against `--server` every id of a run is
 * `<runId>-<n>-<name>`, n being the scenario's index in the run's sorted file list; hits on ids
 * without the run's prefix are counted under `(outside the run)`.
 */
export function firedByFile(firedAt: ReadonlyMap<string, number>, report: JsonReport): Map<string, number> {
  const files = [...report.results.map((r) => r.file), ...report.skipped.map((s) => s.file)].sort();
  const prefix = new RegExp(`${report.runId.replace(/[^\w]/g, '\\$&')}-(\\d+)-`);
  const out = new Map<string, number>();
  for (const [id, n] of firedAt) {
    const m = prefix.exec(id);
    const file = (m && files[Number(m[1])]) ?? '(outside the run)';
    out.set(file, (out.get(file) ?? 0) + n);
  }
  return out;
}

/**
 * The scenario files under `paths` (as `im scenario run` collects them: *.yaml / *.yml, hidden
 * folders and node_modules skipped, sorted), split into those that can target a running server
 * and those that configure the embedded one (a top-level `server:` key), which the runner refuses
 * to run with `--server`.
 */
export async function scenarioFiles(paths: readonly string[]): Promise<{ runnable: string[]; embeddedOnly: string[] }> {
  const found: string[] = [];
  const walk = async (path: string): Promise<void> => {
    const info = await stat(join(ROOT, path));
    if (!info.isDirectory()) return void found.push(path);
    for (const e of await readdir(join(ROOT, path), { withFileTypes: true })) {
      const child = join(path, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') await walk(child);
      } else if (/\.ya?ml$/i.test(e.name)) found.push(child);
    }
  };
  for (const p of paths) await walk(p);
  const runnable: string[] = [];
  const embeddedOnly: string[] = [];
  for (const file of [...new Set(found)].sort()) {
    let doc: unknown;
    try {
      doc = parseYaml(await readFile(join(ROOT, file), 'utf8'));
    } catch {
      doc = undefined; // the runner reports it
    }
    const embedded = typeof doc === 'object' && doc !== null && 'server' in doc;
    (embedded ? embeddedOnly : runnable).push(file);
  }
  return { runnable, embeddedOnly };
}
