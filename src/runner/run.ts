import { groupConvId, pairConvId, systemConvId } from '../protocol/ids.js';
import { ConvType } from '../protocol/codes.js';
import type { ServerOptions } from '../server/config.js';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import { Actors, RunAborted, type Device } from './actors.js';
import { LocalCluster, type LocalClusterSpec } from './cluster/local-cluster.js';
import { RunNodes } from './nodes.js';
import { checkInvariants, countLost, countDuplicates } from './invariants/index.js';
import { deliverySamples, summarize } from './latency.js';
import { Membership } from './membership.js';
import { setUp } from './setup.js';
import { IdMap } from './steps/ids.js';
import { runSteps } from './steps/index.js';
import { ScenarioFailure, type RunState } from './steps/context.js';
import { Scope, TemplateEngine, TemplateError, type TemplateHost } from './template.js';
import type { RunRecord, Scenario, ScenarioResult, StepEvent, StepFailure, Threshold, ThresholdResult } from './types.js';

export interface RunOptions {
  /**
   * Target running nodes (http base URLs; several: one cluster, devices spread round-robin).
   * Default: a fresh server on :memory: per scenario, in a worker thread of this process.
   */
  servers?: readonly string[];
  /** Start a cluster of real `im serve` processes per scenario instead (kill_node/restart_node work). */
  cluster?: Omit<LocalClusterSpec, 'flags'>;
  /** Admin token for /system/send steps against --server. */
  adminToken?: string;
  defaultTimeoutMs: number;
  seed: number;
  /** Prefix for every user and group id on servers that outlive the run, so reruns never collide, e.g. "r7k2x". */
  runId: string;
  onStep?: (event: StepEvent) => void;
  signal?: AbortSignal;
}

/** The end of a run looks again once no frame has arrived for this long. */
const DRAIN_QUIET_MS = 250;
/** The most the end of a run waits for frames still in flight. */
const DRAIN_MAX_MS = 10_000;

const GROUP_TYPES: Record<string, ConvType> = {
  group: ConvType.GROUP,
  chatroom: ConvType.CHATROOM,
  channel: ConvType.CHANNEL,
  mgroup: ConvType.MILLION_GROUP,
  custom: ConvType.CUSTOM_CONVERSATION,
};

/**
 * Runs one scenario: server (embedded unless `options.server`), setup, steps until the first
 * failure, then the end-of-run checks (strict inbox, invariants, thresholds) and the report.
 * Never throws for a scenario failure: `passed` is false and `failure`/`error` say why.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const started = Date.now();
  let server: EmbeddedServer | undefined;
  let cluster: LocalCluster | undefined;
  let nodes: RunNodes;
  let adminToken: string | undefined;
  if (options.servers !== undefined && scenario.server !== undefined) {
    const { file, line } = scenario.server.source;
    return errorResult(
      scenario,
      started,
      `${file}:${line}: server: configures the embedded server, but this run targets --server ${options.servers.join(',')}, whose settings a scenario cannot change; run this file without --server (or with --cluster)`,
    );
  }
  try {
    if (options.servers !== undefined) {
      nodes = new RunNodes(options.servers);
      adminToken = options.adminToken;
    } else if (options.cluster !== undefined) {
      cluster = await LocalCluster.start({ ...options.cluster, flags: clusterFlags(scenario) });
      nodes = new RunNodes(cluster.urls, cluster);
      adminToken = cluster.adminToken;
    } else {
      server = await startEmbeddedServer(embeddedServerOptions(scenario));
      nodes = new RunNodes([server.httpUrl]);
      adminToken = server.adminToken;
    }
  } catch (e) {
    return errorResult(scenario, started, `the server did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
  const state = newRunState(scenario, options, nodes, adminToken);
  try {
    return await execute(state, options, started);
  } finally {
    await state.actors.closeAll();
    await server?.close();
    await cluster?.close();
  }
}

/** Limits high enough never to matter, unless the file's `server:` says otherwise. */
const EMBEDDED_RATE_LIMIT = { burst: 100_000, perSecond: 100_000 };

export function embeddedServerOptions(scenario: Scenario): ServerOptions {
  const settings = scenario.server;
  return {
    port: 0,
    host: '127.0.0.1',
    db: ':memory:',
    logLevel: 'silent',
    // Throwaway accounts on :memory:: a cheap password hash keeps 200-user setups fast.
    scryptCost: 1024,
    rateLimit: { ...EMBEDDED_RATE_LIMIT, ...settings?.rateLimit },
    ...(settings?.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: settings.idleTimeoutMs }),
    ...(settings?.maxContentBytes === undefined ? {} : { maxContentBytes: settings.maxContentBytes }),
  };
}

/**
 * The `server:` settings as `im serve` flags for the nodes of `--cluster`, over the same
 * too-high-to-matter SEND limit the embedded server gets.
 */
export function clusterFlags(scenario: Scenario): string[] {
  const settings = scenario.server;
  const rate = { ...EMBEDDED_RATE_LIMIT, ...settings?.rateLimit };
  return [
    '--rate-burst', String(rate.burst),
    '--rate-limit', String(rate.perSecond),
    ...(settings?.idleTimeoutMs === undefined ? [] : ['--idle-timeout', `${settings.idleTimeoutMs}ms`]),
    ...(settings?.maxContentBytes === undefined ? [] : ['--max-content', String(settings.maxContentBytes)]),
  ];
}

function newRunState(scenario: Scenario, options: RunOptions, nodes: RunNodes, adminToken: string | undefined): RunState {
  // The same clock as ImClient's frame log: fractional ms, so a send and a reconnect in one
  // millisecond keep their order for the invariants.
  const now = () => performance.timeOrigin + performance.now();
  const t0 = now();
  const clock = () => now() - t0;
  // Embedded servers are the scenario's alone; users on any other outlive the run and need the prefix.
  const ids = new IdMap(options.servers === undefined && options.cluster === undefined ? undefined : options.runId);
  const actors = new Actors(nodes, t0, clock);
  const templates = new TemplateEngine(templateHost(scenario, options, actors, ids));
  return {
    scenario,
    adminToken,
    defaultTimeoutMs: options.defaultTimeoutMs,
    actors,
    ids,
    membership: new Membership(),
    templates,
    sends: [],
    clock,
    stepsRun: 0,
    errors: 0,
    emit: (event) => options.onStep?.(event),
    runSteps,
  };
}

async function execute(state: RunState, options: RunOptions, started: number): Promise<ScenarioResult> {
  const { scenario, actors } = state;
  let failure: StepFailure | undefined;
  let error: string | undefined;
  const signal = options.signal ?? new AbortController().signal;
  try {
    if (signal.aborted) throw new RunAborted();
    await setUp(scenario, { actors, ids: state.ids, membership: state.membership, timeoutMs: scenario.timeoutMs ?? options.defaultTimeoutMs, adminToken: state.adminToken });
    await runSteps(scenario.steps, { run: state, scope: new Scope(), barriers: undefined, signal });
  } catch (e) {
    if (e instanceof ScenarioFailure) failure = e.failure;
    else if (e instanceof RunAborted) error = 'the run was aborted';
    else error = e instanceof Error ? e.message : String(e);
  }
  const { record, waitedMs } = await drain(state);
  const violations = checkInvariants(record);
  const lost = countLost(record);
  const duplicates = countDuplicates(record);
  const delivery = summarize(deliverySamples(record.sends, record.devices));
  const unconsumed = scenario.strictInbox && !failure && !error ? leftovers(actors.devices()) : [];
  const metrics: Record<Threshold['metric'], number> = {
    'delivery_ms.p50': delivery.p50,
    'delivery_ms.p95': delivery.p95,
    'delivery_ms.p99': delivery.p99,
    'delivery_ms.max': delivery.max,
    lost,
    duplicates,
    errors: state.errors,
    violations: violations.length,
  };
  const thresholds = scenario.thresholds.map((t) => evaluate(t, metrics[t.metric]));
  const result: ScenarioResult = {
    file: scenario.file,
    name: scenario.name,
    passed: !failure && !error && unconsumed.length === 0 && violations.length === 0 && thresholds.every((t) => t.passed),
    durationMs: Date.now() - started,
    violations,
    unconsumed,
    delivery,
    lost,
    duplicates,
    thresholds,
    // The record's frame logs, not new ones: a 1,000-user run holds a million frames.
    transcripts: actors.devices().map((d, i) => ({ actor: d.label, frames: record.devices[i]!.frames, sent: d.sent })),
    stepsRun: state.stepsRun,
  };
  if (failure) result.failure = failure;
  if (error !== undefined) result.error = error;
  if (waitedMs !== undefined) result.drainMs = waitedMs;
  if (unconsumed.length > 0) result.strictInboxSource = scenario.strictInboxSource ?? { file: scenario.file, line: 1, text: 'strict_inbox: true' };
  return result;
}

/**
 * The record the invariants read. Pushes for the last sends may still be in flight: while some
 * acked message has not reached a device that should have it, wait until frames stop arriving
 * (DRAIN_QUIET_MS of silence) and look again, for at most DRAIN_MAX_MS — a condition, not a
 * fixed sleep. A burst of a few hundred pushes (a 200-member group) drains in one look.
 */
async function drain(state: RunState): Promise<{ record: RunRecord; waitedMs?: number }> {
  const build = (): RunRecord => ({ devices: state.actors.devices().map((d) => d.record()), sends: state.sends, membership: state.membership });
  let record = build();
  const started = performance.now();
  const deadline = started + DRAIN_MAX_MS;
  while (countLost(record) > 0 && performance.now() < deadline) {
    let arrived = false;
    while (performance.now() < deadline && (await nextArrival(state.actors.devices(), DRAIN_QUIET_MS))) arrived = true;
    if (!arrived) break;
    record = build();
  }
  const waitedMs = performance.now() - started;
  // Building the record takes a moment on a big run; only a real wait counts as grace used.
  return waitedMs >= DRAIN_QUIET_MS ? { record, waitedMs: Math.round(waitedMs) } : { record };
}

/**
 * True when any device receives an unsolicited frame within `ms`. One listener per inbox and one
 * timer: an `until` per device (an AbortSignal listener, and an error made for each at the end of
 * every window) kept a 1,000-device run's event loop too busy to read the pushes it waited for.
 */
function nextArrival(devices: readonly Device[], ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    let settled = false;
    const settle = (arrived: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const off of offs) off();
      resolve(arrived);
    };
    const timer = setTimeout(() => settle(false), ms);
    for (const d of devices) {
      const before = d.inbox.frames.length;
      offs.push(d.inbox.onArrival(() => d.inbox.frames.length > before && settle(true)));
    }
  });
}

function leftovers(devices: readonly Device[]): ScenarioResult['unconsumed'] {
  return devices.filter((d) => d.inbox.frames.length > 0).map((d) => ({ actor: d.label, frames: [...d.inbox.frames] }));
}

function evaluate(threshold: Threshold, actual: number): ThresholdResult {
  const { op, value } = threshold;
  const passed =
    op === '<' ? actual < value : op === '<=' ? actual <= value : op === '==' ? actual === value : op === '>=' ? actual >= value : actual > value;
  return { threshold, actual, passed };
}

function templateHost(scenario: Scenario, options: RunOptions, actors: Actors, ids: IdMap): TemplateHost {
  const knownUser = (name: string) => actors.users.get(name)?.id;
  return {
    runId: options.runId,
    seed: options.seed,
    file: scenario.file,
    actor(ref) {
      let device: Device;
      try {
        device = actors.device(ref);
      } catch {
        return undefined;
      }
      return {
        id: device.user.id,
        name: device.user.name,
        device: device.id,
        pts: device.lastPts,
        get last() {
          const last = device.last();
          if (!last) throw new TemplateError(`${ref}.last: ${device.label} has received no frame yet`);
          return last.frame;
        },
      };
    },
    convId(type, names) {
      const [a = '', b = ''] = names;
      if (type === 'single' || type === 'stranger') {
        const x = knownUser(a);
        const y = knownUser(b);
        return x === undefined || y === undefined ? undefined : pairConvId(type === 'single' ? ConvType.SINGLE : ConvType.STRANGER_CHAT, x, y);
      }
      if (type === 'system') {
        const x = knownUser(a);
        return x === undefined ? undefined : systemConvId(x);
      }
      const groupType = GROUP_TYPES[type];
      return groupType === undefined || !ids.isGroup(a) ? undefined : groupConvId(groupType, ids.id(a));
    },
    groupId: (name) => (ids.isGroup(name) ? ids.id(name) : undefined),
  };
}

function errorResult(scenario: Scenario, started: number, error: string): ScenarioResult {
  return failedResult(scenario, Date.now() - started, error);
}

/** The result of a scenario that could not run at all (no server, bad setup, a crash). */
export function failedResult(scenario: Pick<Scenario, 'file' | 'name'>, durationMs: number, error: string): ScenarioResult {
  return {
    file: scenario.file,
    name: scenario.name,
    passed: false,
    durationMs,
    violations: [],
    unconsumed: [],
    delivery: { count: 0, p50: 0, p95: 0, p99: 0, max: 0 },
    lost: 0,
    duplicates: 0,
    thresholds: [],
    transcripts: [],
    stepsRun: 0,
    error,
  };
}
