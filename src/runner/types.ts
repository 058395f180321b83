import type { ConvType, MsgType } from '../protocol/codes.js';
import type { Content, GroupPolicy, ServerFrame, Stamp } from '../protocol/frames.js';

/**
 * The typed form of a scenario file (docs/scenarios.md). `load.ts` turns YAML into these after
 * validation; `run.ts` executes them; reporters render `ScenarioResult`. Every step keeps the
 * file and line it came from, so a failure can point at it.
 *
 * Conventions of the YAML surface, resolved by the loader (never seen by the runner):
 * - an actor is `user` or `user@device` (device defaults to `default`);
 * - durations are `250ms`, `2s`, `1m` or a bare number of ms;
 * - convType / msgType / cmd / error codes may be written as names (`single`, `TEXT`, `PUSH`,
 *   `NOT_FRIENDS`) or numbers;
 * - any string may hold `{{path}}` templates, resolved at run time (template.ts).
 */

/** Where a step (or any node) was written. */
export interface Source {
  file: string;
  line: number;
  /** The step as written, for failure output. */
  text: string;
}

export interface UserSpec {
  /** The name used in the file; the real userId gets the run's prefix with `--server`. */
  name: string;
  devices: string[];
  nickname?: string;
  password?: string;
  /** 1-based node every device of this user connects to when the run has several (`node:`). */
  node?: number;
  /** Per-device pins (`nodes: {laptop: 2}`), over `node`. */
  deviceNodes?: Record<string, number>;
}

/** `users: {count: 200, prefix: u}` → u1..u200, each with device `default`. */
export interface GeneratedUsers {
  count: number;
  prefix: string;
  devices: string[];
}

export interface GroupSpec {
  id: string;
  type: ConvType;
  name: string;
  owner: string;
  members: string[];
  admins: string[];
  muted: string[];
  policy?: GroupPolicy;
}

export interface Setup {
  /** Each pair ends up friends (both sides add). */
  friends: [string, string][];
  /** [blocker, blocked]. */
  blocks: [string, string][];
  settings: Record<string, { allowStrangers: boolean }>;
  groups: GroupSpec[];
  /** Users to connect (all their devices) before the first step; default: every user. */
  connect: string[] | 'all' | 'none';
}

/**
 * A partial frame matcher: every key given must match, keys not given are ignored. Scalars match
 * by equality after templates; objects match recursively; arrays match element-wise (same
 * length) unless an operator says otherwise. Operators (objects whose only key starts with `$`):
 * `$exists: bool`, `$gt/$gte/$lt/$lte: n`, `$ne: v`, `$regex: "..."`, `$in: [..]`,
 * `$contains: matcher` (an array has an element matching it), `$len: n`.
 */
export type Matcher = unknown;

interface StepBase {
  source: Source;
  /** Overrides the file's and the CLI's default step timeout. */
  timeoutMs?: number;
  /** Name for captures: the step's result is stored as `{{save.…}}`. */
  save?: string;
}

export interface ConnectStep extends StepBase {
  kind: 'connect';
  actors: string[];
  /** SYNC from the device's last pts right after connecting (default false). */
  sync?: boolean;
  /**
   * false: a device that is still connected keeps its connection open while the new one opens,
   * so the server sees two connections for one user@device and KICKs the older (PROTOCOL.md §3).
   * Default true: the runner closes the old connection cleanly first.
   */
  closePrevious?: boolean;
  /** 1-based node to connect to instead of the device's own (runs with several nodes only). */
  node?: number;
}

export interface DisconnectStep extends StepBase {
  kind: 'disconnect';
  actors: string[];
  /** clean: close frame; abrupt: the socket is destroyed without one. */
  mode: 'clean' | 'abrupt';
}

export interface ReconnectStep extends StepBase {
  kind: 'reconnect';
  actors: string[];
  /** SYNC from the last pts the device saw (default true): a reconnect that catches up. */
  sync: boolean;
  /** 1-based node to connect to instead of the device's own (runs with several nodes only). */
  node?: number;
}

export interface SendStep extends StepBase {
  kind: 'send';
  actor: string;
  convType: ConvType;
  msgType: MsgType;
  /** Peer user (scenario name), group id, or (SYSTEM) receiving user. */
  to: string;
  content: Content;
  persist?: boolean;
  sync?: boolean;
  clientMsgId?: string;
  /** Raw frame fields merged in last (e.g. a forged `route.from`) — for negative tests. */
  raw?: Record<string, unknown>;
  /** Expect ERROR with this code instead of SEND_ACK. */
  expectError?: number;
}

export interface ReadStep extends StepBase {
  kind: 'read';
  actor: string;
  conv: string;
  seq: number | string;
  expectError?: number;
  /** Partial match on the READ_ACK content. */
  expect?: Matcher;
}

export interface SyncStep extends StepBase {
  kind: 'sync';
  actor: string;
  /** `last` (the device's last seen pts, default) or a number/template. */
  since: number | string;
  limit?: number;
  /** Page until hasMore is false (default true). */
  all: boolean;
  expect?: Matcher;
  expectError?: number;
}

export interface HistoryStep extends StepBase {
  kind: 'history';
  actor: string;
  conv: string;
  afterSeq?: number | string;
  beforeSeq?: number | string;
  limit?: number;
  expect?: Matcher;
  expectError?: number;
}

export interface PingStep extends StepBase {
  kind: 'ping';
  actors: string[];
}

/** Any HTTP call of PROTOCOL.md §2, as a user, the admin, or anonymously. */
export interface HttpStep extends StepBase {
  kind: 'http';
  as: string | 'admin' | 'anonymous';
  method: 'GET' | 'POST';
  /** Under /openapi/v1, e.g. `/group/add-members`. */
  path: string;
  body?: Record<string, unknown>;
  query?: Record<string, string>;
  /** Expected envelope `code` (default 0). */
  expectCode: number;
  /** Partial match on `data`. */
  expect?: Matcher;
}

/** Wait for the first frame in the actor's inbox matching `match` (it is consumed). */
export interface ExpectStep extends StepBase {
  kind: 'expect';
  actor: string;
  match: Matcher;
  /**
   * The connection the frame arrived on must then be closed by the server with this WebSocket
   * close code (e.g. 4001 after a KICK); the step waits for the close within its timeout.
   */
  closeCode?: number;
}

/** Every matcher finds its own frame, in any order. */
export interface ExpectAllStep extends StepBase {
  kind: 'expect_all';
  actor: string;
  matches: Matcher[];
}

/** The matchers find frames in this order (frames in between that match none are skipped). */
export interface ExpectSeqStep extends StepBase {
  kind: 'expect_seq';
  actor: string;
  matches: Matcher[];
}

/** Nothing matching arrives (or is already in the inbox) for `forMs`. */
export interface ExpectNoneStep extends StepBase {
  kind: 'expect_none';
  actor: string;
  match: Matcher;
  forMs: number;
}

export interface RepeatStep extends StepBase {
  kind: 'repeat';
  /** A number, or the scenario's user names (`users`) to run the body once per user. */
  times?: number;
  forEach?: 'users' | string[];
  /** Loop variable name: `{{i}}` (0-based) or the current item. */
  as: string;
  steps: Step[];
}

export interface ParallelStep extends StepBase {
  kind: 'parallel';
  branches: Step[][];
}

/** Inside `parallel`: every branch that names this barrier waits until all have reached it. */
export interface BarrierStep extends StepBase {
  kind: 'barrier';
  name: string;
}

/** Let time pass (load shaping only; never needed to wait for a frame). */
export interface PauseStep extends StepBase {
  kind: 'pause';
  ms: number;
}

/**
 * `kill_node: 2`: SIGKILL node 2 of the cluster this run started (`--cluster`), then wait until
 * every device connected to it has seen its connection drop.
 */
export interface KillNodeStep extends StepBase {
  kind: 'kill_node';
  /** 1-based. */
  node: number;
}

/** `restart_node: 2`: start node 2 again on its port; done when it answers /healthz. */
export interface RestartNodeStep extends StepBase {
  kind: 'restart_node';
  /** 1-based. */
  node: number;
}

export type Step =
  | ConnectStep
  | DisconnectStep
  | ReconnectStep
  | SendStep
  | ReadStep
  | SyncStep
  | HistoryStep
  | PingStep
  | HttpStep
  | ExpectStep
  | ExpectAllStep
  | ExpectSeqStep
  | ExpectNoneStep
  | RepeatStep
  | ParallelStep
  | BarrierStep
  | PauseStep
  | KillNodeStep
  | RestartNodeStep;

export type StepKind = Step['kind'];

/** A step starting or ending, as the run reports it to its caller (the reporters' onStep). */
export interface StepEvent {
  file: string;
  /** Order in which steps started in this scenario (0-based; loop bodies count once per pass). */
  index: number;
  kind: StepKind;
  source: Source;
  status: 'start' | 'pass' | 'fail';
}

/** `delivery_ms.p99 < 250`, `lost == 0`, `duplicates == 0`. */
export interface Threshold {
  source: Source;
  metric: 'delivery_ms.p50' | 'delivery_ms.p95' | 'delivery_ms.p99' | 'delivery_ms.max' | 'lost' | 'duplicates' | 'errors' | 'violations';
  op: '<' | '<=' | '==' | '>=' | '>';
  value: number;
}

/**
 * Settings of the embedded server (`server:`), for scenarios that need limits other than the
 * runner's: a run against `--server` cannot apply them and fails the file instead.
 */
export interface ServerSettings {
  /** Where `server:` was written. */
  source: Source;
  /** Per-user SEND token bucket; unset fields keep the runner's (very high) defaults. */
  rateLimit?: { burst?: number; perSecond?: number };
  /** A connection silent this long is closed with 4000. */
  idleTimeoutMs?: number;
  /** `content` over this many UTF-8 bytes of JSON is refused with CONTENT_TOO_LARGE. */
  maxContentBytes?: number;
}

export interface Scenario {
  file: string;
  name: string;
  description?: string;
  /** Default step timeout for this file (the CLI's --timeout otherwise). */
  timeoutMs?: number;
  strictInbox: boolean;
  /** Where `strict_inbox:` was written (undefined when the file does not say). */
  strictInboxSource?: Source;
  /** Embedded-server settings (`server:`). */
  server?: ServerSettings;
  users: UserSpec[];
  generated?: GeneratedUsers;
  setup: Setup;
  steps: Step[];
  thresholds: Threshold[];
}

// ---- results ------------------------------------------------------------------------------

/** One frame a device received, with its arrival time (ms since the scenario started). */
export interface LoggedFrame {
  at: number;
  frame: ServerFrame;
  /** The 1-based node the frame came through, when the run has several. */
  node?: number;
}

/** A rule of the built-in invariants (invariants/), broken. */
export interface Violation {
  rule:
    | 'seq-unique'
    | 'msg-seq'
    | 'push-seq-order'
    | 'pts-gap'
    | 'duplicate-delivery'
    | 'lost'
    | 'foreign-conversation';
  user: string;
  device?: string;
  convId?: string;
  /** One line with the numbers, e.g. "seq 4 names 7266… and 7267…". */
  message: string;
}

export interface StepFailure {
  source: Source;
  /** What the step expected, as written (after templates). */
  expected: string;
  /** Why it failed, one line. */
  reason: string;
  actor?: string;
  /**
   * The closest frame the actor did receive, and a diff against it. `note` says why it could not
   * be taken when it is not in the inbox (a reply to a request, or consumed by an earlier step).
   */
  closest?: { frame: ServerFrame; diff: string; note?: string };
  /** The actor's last frames, oldest first. */
  recent?: LoggedFrame[];
  /** What the server answered an HTTP step: status, envelope code (null: no envelope), body excerpt. */
  response?: { status: number; code: number | null; body: string };
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ThresholdResult {
  threshold: Threshold;
  actual: number;
  passed: boolean;
}

export interface ScenarioResult {
  file: string;
  name: string;
  passed: boolean;
  durationMs: number;
  /** The first failing step, if any (a scenario stops at its first failure). */
  failure?: StepFailure;
  violations: Violation[];
  /** Frames left unconsumed when strict_inbox is on. */
  unconsumed: { actor: string; frames: LoggedFrame[] }[];
  /** Where strict_inbox was switched on (the `strict_inbox:` key, or line 1), when `unconsumed` is not empty. */
  strictInboxSource?: Source;
  delivery: LatencySummary;
  lost: number;
  duplicates: number;
  thresholds: ThresholdResult[];
  /** Every device's full frame log, for --transcript and JUnit system-out. */
  transcripts: { actor: string; frames: LoggedFrame[]; sent: LoggedFrame[] }[];
  stepsRun: number;
  /**
   * How long the end of the run waited for pushes still in flight before judging `lost` (a
   * bounded grace: at most 10 s); absent when every acked message had arrived already.
   */
  drainMs?: number;
  /** When the file could not be loaded or the server not started. */
  error?: string;
}

export interface RunSummary {
  seed: number;
  results: ScenarioResult[];
  passed: boolean;
  durationMs: number;
}

export type { Content, Stamp };

// ---- what the runner records for the built-in invariants (invariants/) ---------------------

/** One connection lifetime of one device. */
export interface DeviceSession {
  /** ms since the scenario started. */
  openedAt: number;
  /** Undefined while still open at the end. */
  closedAt?: number;
}

export interface DeviceRecord {
  user: string;
  device: string;
  /** Every frame received, in arrival order, across all of the device's sessions. */
  frames: LoggedFrame[];
  sessions: DeviceSession[];
}

/** A SEND the runner made. */
export interface SendRecord {
  user: string;
  device: string;
  convType: ConvType;
  to: string;
  /** When the SEND was written (ms since the scenario started). */
  at: number;
  /** Present when acked. */
  ack?: Stamp;
  ackAt?: number;
  /** ERROR code when refused. */
  error?: number;
  persist: boolean;
  /** control.sync !== false: the sender's other devices get a copy. */
  syncToSender: boolean;
  /**
   * Users (real userIds) who should receive it, the sender excluded, as the runner's membership
   * model saw them when the ack arrived.
   */
  recipients: string[];
}

/** Membership as the runner's model saw it over time (setup + HTTP steps it ran). */
export interface MembershipModel {
  /** Whether `user` could see `convId` at time `at` (pair and system conversations from the id). */
  isMember(user: string, convId: string, at: number): boolean;
}

export interface RunRecord {
  devices: DeviceRecord[];
  sends: SendRecord[];
  membership: MembershipModel;
}
