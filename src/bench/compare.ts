import { readFileSync } from 'node:fs';
import { primaryFigure, primaryHigherIsBetter, primaryOf } from './figures.js';
import { WORKLOADS, type BenchReport, type CaseResult, type WorkloadName } from './types.js';

/**
 * `im bench compare a.json b.json`: did b get better or worse than a, case by case, and is the
 * difference larger than the runs' own noise? Judged by the im ÷ relay ratio where both reports
 * have one, since the relay ran on the same machine at the same moment and so cancels out how
 * busy the machine was; a raw figure from a shared CI runner is mostly a measure of its neighbours.
 */

export class CompareError extends Error {
  override name = 'CompareError';
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

export type Verdict = 'better' | 'worse' | 'within noise' | 'not comparable';

export interface ComparisonRow {
  case: string;
  workload: WorkloadName;
  /** The primary figure of each report (deliveries/s, connections/s or KiB per connection). */
  a?: number;
  b?: number;
  /** b ÷ a − 1 of the primary figure. */
  change?: number;
  aRatio?: number;
  bRatio?: number;
  /** b ÷ a − 1 of the ratio. */
  ratioChange?: number;
  /** The ± band (a fraction) a change must exceed to count, for the figure and for the ratio. */
  noise: { figure: number; ratio: number };
  /** What the verdict judged: the ratio, the figure when a report lacks a ratio, or nothing. */
  basis: 'ratio' | 'figure' | 'none';
  verdict: Verdict;
}

export interface Comparison {
  /** The cases of both reports, in a's order. */
  rows: ComparisonRow[];
  onlyInA: string[];
  onlyInB: string[];
  /** Whether the noise floor applied (a report had fewer than 3 runs). */
  noiseFloor: boolean;
}

/**
 * The least noise band when either report has fewer than 3 runs. One run's spread is 0 and two
 * runs' is one difference: neither says how much a figure moves from run to run, and reading
 * them as "no noise" would call every wobble better or worse. Repeated runs of one build on a
 * quiet machine move by a few percent; 5% is above that, and a real change worth a verdict from
 * so few runs is larger. With 3 runs or more the measured spread speaks for itself.
 */
export const NOISE_FLOOR = 0.05;
const MIN_RUNS_FOR_SPREAD = 3;

const HOW_TO_WRITE = 'write one with im bench --out FILE';

/** Reads a report `--out` wrote, checking the parts `compare` reads so a wrong file fails in one line. */
export function readReport(path: string): BenchReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CompareError(path, `${path}: no such file; ${HOW_TO_WRITE}`, { cause: err });
    throw new CompareError(path, `${path}: cannot be read (${code ?? String(err)})`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8's message may quote the text, newlines and all; the CLI prints one line.
    const why = (err as Error).message.replace(/\s+/g, ' ');
    throw new CompareError(path, `${path}: not JSON (${why}), so not an im bench report; ${HOW_TO_WRITE}`, { cause: err });
  }
  if (isRecord(data) && data.kind === 'im-bench' && data.version !== 1) {
    throw new CompareError(path, `${path}: an im bench report of version ${JSON.stringify(data.version)}, and this im reads version 1; write it again with this im's im bench --out FILE`);
  }
  const problem = reportProblem(data);
  if (problem) throw new CompareError(path, `${path}: not an im bench report (${problem}); ${HOW_TO_WRITE}`);
  return data as BenchReport;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function reportProblem(data: unknown): string | undefined {
  if (!isRecord(data)) return 'not a JSON object';
  if (data.kind !== 'im-bench') return 'no "kind": "im-bench"';
  if (!Array.isArray(data.results)) return 'no "results" list';
  if (!isNumber(data.runs) || data.runs < 1) return '"runs" is not a number of runs';
  for (const [i, r] of data.results.entries()) {
    const problem = resultProblem(r);
    if (problem) return `results[${i}] ${problem}`;
  }
  return undefined;
}

function resultProblem(r: unknown): string | undefined {
  if (!isRecord(r) || !isRecord(r.case)) return 'has no case';
  if (typeof r.case.name !== 'string') return 'has no case name';
  if (!(WORKLOADS as readonly unknown[]).includes(r.case.workload)) return `has an unknown workload ${JSON.stringify(r.case.workload)}`;
  if (!isRecord(r.im)) return 'has no im measure';
  if (!isNumber(r.spread) || !isNumber(r.ratioSpread)) return 'has no spread';
  return undefined;
}

/** A number or nothing: JSON turns NaN and Infinity into null, and a report may say either. */
const finite = (v: number | null | undefined): number | undefined => (isNumber(v) ? v : undefined);

/** b ÷ a − 1; from 0 any rise is unbounded, and 0 to 0 is no change. */
function relativeChange(a: number, b: number): number {
  if (a === 0) return b === 0 ? 0 : b > 0 ? Infinity : -Infinity;
  return b / a - 1;
}

// A change equal to the band, printed as "+5.0% ±5.0%", reads as noise; b ÷ a − 1 is rarely exact
// in binary (105 ÷ 100 − 1 > 0.05), so the band gets a hair of slack.
const EPSILON = 1e-9;

function judge(change: number, noise: number, higherIsBetter: boolean): Verdict {
  if (!(Math.abs(change) > noise + EPSILON)) return 'within noise';
  return change > 0 === higherIsBetter ? 'better' : 'worse';
}

function compareCase(ra: CaseResult, rb: CaseResult, floor: number): ComparisonRow {
  const workload = ra.case.workload;
  const a = finite(primaryOf(workload, ra.im));
  const b = finite(primaryOf(workload, rb.im));
  const aRatio = finite(ra.ratio);
  const bRatio = finite(rb.ratio);
  const noise = {
    figure: Math.max(ra.spread, rb.spread, floor),
    ratio: Math.max(ra.ratioSpread, rb.ratioSpread, floor),
  };
  const change = a !== undefined && b !== undefined ? relativeChange(a, b) : undefined;
  const ratioChange = aRatio !== undefined && bRatio !== undefined ? relativeChange(aRatio, bRatio) : undefined;
  // The ratio is idle's KiB ÷ the relay's KiB too, so it is better lower for idle like its figure.
  const higherIsBetter = primaryHigherIsBetter(workload);
  const judged: Pick<ComparisonRow, 'basis' | 'verdict'> =
    ratioChange !== undefined ? { basis: 'ratio', verdict: judge(ratioChange, noise.ratio, higherIsBetter) }
    : change !== undefined ? { basis: 'figure', verdict: judge(change, noise.figure, higherIsBetter) }
    : { basis: 'none', verdict: 'not comparable' };
  return { case: ra.case.name, workload, a, b, change, aRatio, bRatio, ratioChange, noise, ...judged };
}

export function compareReports(a: BenchReport, b: BenchReport): Comparison {
  const floor = a.runs < MIN_RUNS_FOR_SPREAD || b.runs < MIN_RUNS_FOR_SPREAD ? NOISE_FLOOR : 0;
  const inB = new Map(b.results.map((r) => [r.case.name, r]));
  const inA = new Set(a.results.map((r) => r.case.name));
  const rows: ComparisonRow[] = [];
  for (const ra of a.results) {
    const rb = inB.get(ra.case.name);
    if (rb) rows.push(compareCase(ra, rb, floor));
  }
  return {
    rows,
    onlyInA: a.results.map((r) => r.case.name).filter((name) => !inB.has(name)),
    onlyInB: b.results.map((r) => r.case.name).filter((name) => !inA.has(name)),
    noiseFloor: floor > 0,
  };
}

const MISSING = '—';
const thousands = (v: number): string => Math.round(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function formatPrimary(v: number | undefined, workload: WorkloadName): string {
  if (v === undefined) return MISSING;
  const figure = primaryFigure(workload);
  if (figure === 'kibPerConnection') return `${v.toFixed(2)} KiB`;
  return `${thousands(v)} ${figure === 'messagesPerSec' ? 'conn/s' : 'msg/s'}`;
}

const formatRatio = (v: number | undefined): string => (v === undefined ? MISSING : `${v.toFixed(2)}×`);

function formatChange(v: number | undefined): string {
  if (v === undefined) return MISSING;
  if (!Number.isFinite(v)) return v > 0 ? '+∞' : '-∞';
  const pct = (v * 100).toFixed(1);
  if (Number(pct) === 0) return '0.0%';
  return `${v > 0 ? '+' : ''}${pct}%`;
}

/** A plain-text table, one string a line: the CLI prints it and colours the verdicts. */
export function formatComparison(c: Comparison): string[] {
  const header = ['case', 'a', 'b', 'change', 'a ratio', 'b ratio', 'ratio change', 'noise', 'verdict'];
  const body = c.rows.map((r) => [
    r.case,
    formatPrimary(r.a, r.workload),
    formatPrimary(r.b, r.workload),
    formatChange(r.change),
    formatRatio(r.aRatio),
    formatRatio(r.bRatio),
    formatChange(r.ratioChange),
    r.basis === 'none' ? MISSING : `±${(r.noise[r.basis] * 100).toFixed(1)}%`,
    // The ratio is the usual basis; say so only when it was not.
    r.basis === 'figure' ? `${r.verdict} (by figure)` : r.verdict,
  ]);
  const table = [header, ...body];
  const widths = header.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)));
  // Names and verdicts read left to right; numbers line up on their last digit.
  const leftAligned = new Set([0, header.length - 1]);
  const lines = table.map((cells) =>
    cells.map((cell, i) => (leftAligned.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd(),
  );
  if (c.onlyInA.length) lines.push(`only in a: ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length) lines.push(`only in b: ${c.onlyInB.join(', ')}`);
  if (c.noiseFloor) lines.push(`noise is at least ±${NOISE_FLOOR * 100}%: a report has fewer than ${MIN_RUNS_FOR_SPREAD} runs (--runs), too few to measure it`);
  return lines;
}
