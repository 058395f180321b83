import type { CaseResult, Measure, WorkloadName } from './types.js';

/**
 * The figures of a case by name: what `--threshold` expressions, the ratio and `im bench compare`
 * refer to. A workload's primary figure is the one its ratio is made of.
 */

export interface Figure {
  /** Its unit as written after a threshold's number and in tables. */
  unit: 'msg/s' | 'ms' | '%' | 'MB' | 'KiB' | '×' | '';
  /** The value, or undefined when the case does not measure it (RSS of a remote server). */
  read(result: CaseResult): number | undefined;
}

const fromIm = (pick: (m: Measure) => number | undefined) => (r: CaseResult) => pick(r.im);

export const FIGURES = {
  msgs: { unit: 'msg/s', read: fromIm((m) => m.messagesPerSec) },
  deliveries: { unit: 'msg/s', read: fromIm((m) => m.deliveriesPerSec) },
  p50: { unit: 'ms', read: fromIm((m) => (m.latency.count ? m.latency.p50 : undefined)) },
  p95: { unit: 'ms', read: fromIm((m) => (m.latency.count ? m.latency.p95 : undefined)) },
  p99: { unit: 'ms', read: fromIm((m) => (m.latency.count ? m.latency.p99 : undefined)) },
  max: { unit: 'ms', read: fromIm((m) => (m.latency.count ? m.latency.max : undefined)) },
  cpu: { unit: '%', read: fromIm((m) => m.cpuPercent) },
  rss: { unit: 'MB', read: fromIm((m) => m.peakRssMb) },
  kib: { unit: 'KiB', read: fromIm((m) => m.kibPerConnection) },
  lost: { unit: '', read: fromIm((m) => m.lost) },
  duplicates: { unit: '', read: fromIm((m) => m.duplicates) },
  errors: { unit: '', read: fromIm((m) => m.errors) },
  ratio: { unit: '×', read: (r) => r.ratio },
} as const satisfies Record<string, Figure>;

export type FigureName = keyof typeof FIGURES;

export const isFigureName = (name: string): name is FigureName => Object.hasOwn(FIGURES, name);

/**
 * The figure a workload is judged by and its ratio made of: deliveries/s for message workloads,
 * connections/s for connect (counted in `messagesPerSec`), KiB per connection for idle.
 */
export function primaryFigure(workload: WorkloadName): 'deliveriesPerSec' | 'messagesPerSec' | 'kibPerConnection' {
  if (workload === 'connect') return 'messagesPerSec';
  if (workload === 'idle') return 'kibPerConnection';
  return 'deliveriesPerSec';
}

/** Whether a larger primary figure is better for this workload (not for idle's memory). */
export const primaryHigherIsBetter = (workload: WorkloadName): boolean => workload !== 'idle';

/** The primary figure of a measure, or undefined when it was not measured (idle on a remote server). */
export function primaryOf(workload: WorkloadName, m: Measure): number | undefined {
  return m[primaryFigure(workload)];
}

/** im ÷ relay of the primary figure; undefined when either side lacks it or the relay's is 0. */
export function ratioOf(workload: WorkloadName, im: Measure, relay: Measure | undefined): number | undefined {
  if (!relay) return undefined;
  const a = primaryOf(workload, im);
  const b = primaryOf(workload, relay);
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}

/** (max − min) ÷ median: the noise band of a figure over runs (0 for one run or an empty list). */
export function spreadOf(values: readonly number[]): number {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length < 2) return 0;
  const med = median(xs);
  if (med === 0) return 0;
  return (Math.max(...xs) - Math.min(...xs)) / Math.abs(med);
}

export function median(values: readonly number[]): number {
  const xs = [...values].sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/**
 * Folds the runs of one case into its result: the run whose primary figure is the median (the
 * lower middle one for an even count, so the measure is one that really happened), its ratio,
 * and the spreads that make `im bench compare`'s noise band.
 */
export function foldRuns(c: CaseResult['case'], runs: CaseResult['runs']): CaseResult {
  if (runs.length === 0) throw new Error(`no runs of ${c.name}`);
  const key = (i: number) => primaryOf(c.workload, runs[i]!.im) ?? 0;
  const order = runs.map((_, i) => i).sort((a, b) => key(a) - key(b));
  const chosen = runs[order[Math.floor((order.length - 1) / 2)]!]!;
  const result: CaseResult = {
    case: c,
    im: chosen.im,
    spread: spreadOf(runs.map((r) => primaryOf(c.workload, r.im) ?? NaN)),
    ratioSpread: spreadOf(runs.map((r) => r.ratio ?? NaN)),
    runs,
  };
  if (chosen.relay) result.relay = chosen.relay;
  const ratios = runs.map((r) => r.ratio).filter((r): r is number => r !== undefined);
  if (ratios.length) result.ratio = median(ratios);
  return result;
}
