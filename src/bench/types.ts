/**
 * The shapes of `im bench`: what a workload is, what one run of it measures, and the report
 * `--json`/`--out` write and `im bench compare` reads. One place, shared by the workloads, the
 * table, the thresholds and the comparison.
 */

/** The workloads, in the order a bench without arguments runs them. */
export const WORKLOADS = ['pairs', 'group', 'million', 'chatroom', 'latency', 'connect', 'idle'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** Which server a measure is of: the one under test, or the bare relay run beside it. */
export type TargetKind = 'im' | 'relay';

/** One sized case of a workload: `group` runs as `group/100` and `group/1000`. */
export interface Case {
  workload: WorkloadName;
  /** `pairs`, `group/1000`, …: the name in tables, thresholds and reports. */
  name: string;
  /** Users taking part: 2 per pair, the members of a group, the connections of connect/idle. */
  users: number;
  /** Messages each sender sends (pairs, latency), or the one sender's messages (group types). */
  messages: number;
  /** SENDs a sender keeps unacknowledged. */
  window: number;
  /** When set, senders stop after this many seconds instead of after `messages`. */
  durationS?: number;
  /** What the case does, in words, for the table's heading. */
  title: string;
}

/** Latency figures in milliseconds, from an HDR histogram. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** What one run of a case on one target measured. */
export interface Measure {
  /** Messages acknowledged (SEND_ACK), or connections opened (connect, idle). */
  messages: number;
  /** PUSHes received by the intended recipients, each counted once. */
  deliveries: number;
  /** Deliveries the run should have produced. */
  expected: number;
  /** Expected deliveries that never came. */
  lost: number;
  /** PUSHes of a message a recipient had already received. */
  duplicates: number;
  /** Requests answered with an ERROR frame, or connections refused. */
  errors: number;
  /** Wall time of the measured phase. */
  seconds: number;
  messagesPerSec: number;
  deliveriesPerSec: number;
  /** Send → PUSH in the recipient (end to end); connect: handshake start → open. */
  latency: LatencySummary;
  /** Server CPU over the measured phase, % of one core; local servers only. */
  cpuPercent?: number;
  /** Highest resident set size sampled during the run, MB; local servers only. */
  peakRssMb?: number;
  /** Resident memory per open connection, KiB (idle only; local servers only). */
  kibPerConnection?: number;
  /**
   * The bench's busiest thread over the measured phase, % of its time busy (event-loop
   * utilisation): near 100, the figure may be the driver's limit.
   */
  driverCpuPercent: number;
  /** Threads the bench drove the case with: the sending one, plus receiver threads in fan-out cases. */
  driverThreads?: number;
}

/** A case's result: the im measure, the relay's, and their ratio, over `--runs`. */
export interface CaseResult {
  case: Case;
  /** The median run by the primary figure. */
  im: Measure;
  relay?: Measure;
  /** im ÷ relay of the primary figure (see `primaryFigure`); absent with --no-baseline. */
  ratio?: number;
  /** (max − min) ÷ median of the primary figure over the runs, im's; 0 with one run. */
  spread: number;
  /** The ratio's spread over the runs; 0 with one run or without a relay. */
  ratioSpread: number;
  /** Every run's measures, in order. */
  runs: { im: Measure; relay?: Measure; ratio?: number }[];
}

/** `--json` and `--out`: everything the run measured, for CI and `im bench compare`. */
export interface BenchReport {
  kind: 'im-bench';
  version: 1;
  startedAt: string;
  /** `embedded` (a temporary SQLite file) or the URLs of `--server`. */
  target: { kind: 'embedded' | 'server'; urls: string[] };
  machine: { cpus: number; node: string; platform: string };
  runs: number;
  results: CaseResult[];
  thresholds: ThresholdOutcome[];
  warnings: string[];
}

/** One `--threshold` and how the run met it. */
export interface ThresholdOutcome {
  expression: string;
  /** Each case it applied to, with the figure it saw. */
  checks: { case: string; actual: number; ok: boolean }[];
  ok: boolean;
}
