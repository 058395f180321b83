import { FIGURES, isFigureName, type Figure, type FigureName } from './figures.js';
import { WORKLOADS, type CaseResult, type ThresholdOutcome, type WorkloadName } from './types.js';

/**
 * `--threshold EXPR`, k6-style: `[<case>.]<figure> <op> <number>[<unit>]`, e.g. `latency.p99<10ms`
 * or `pairs.ratio>0.6`. A run whose thresholds fail exits non-zero, which is what lets CI gate on
 * a benchmark without parsing its table.
 */

export const THRESHOLD_OPS = ['<', '<=', '>', '>=', '=='] as const;
export type ThresholdOp = (typeof THRESHOLD_OPS)[number];

export interface Threshold {
  /** As written (trimmed): outcomes quote it back so the user recognises their own words. */
  expression: string;
  /** A workload (`group`: every size of it) or one case (`group/1000`); absent: every case. */
  case?: string;
  figure: FigureName;
  op: ThresholdOp;
  /** The bound in the figure's own unit (ms, MB, KiB, …), whichever unit the expression used. */
  value: number;
}

export class ThresholdError extends Error {
  override name = 'ThresholdError';
  readonly expression: string;

  constructor(expression: string, problem: string) {
    super(`--threshold ${JSON.stringify(expression)}: ${problem}`);
    this.expression = expression;
  }
}

/**
 * The units a bound may be written in, per unit of figure, and the factor to the figure's unit.
 * Matched case-insensitively: `10MS` means nothing else. A bare number is always the figure's unit.
 */
const UNITS: Record<Figure['unit'], readonly (readonly [string, number])[]> = {
  ms: [['ms', 1], ['s', 1000], ['us', 1 / 1000], ['µs', 1 / 1000]],
  MB: [['MB', 1], ['MiB', 1], ['KB', 1 / 1024], ['KiB', 1 / 1024], ['GB', 1024], ['GiB', 1024]],
  KiB: [['KiB', 1], ['KB', 1]],
  '%': [['%', 1]],
  '×': [['x', 1], ['×', 1]],
  'msg/s': [['/s', 1], ['msg/s', 1]],
  '': [],
};

const EXAMPLE = 'e.g. pairs.ratio>0.6 or latency.p99<10ms';
const CASE_PATTERN = /^([a-z]+)(?:\/(\d+))?$/;
// Longest first at each position, and the near-misses too, so `=` or `=<` get a pointed message
// instead of a confusing "not a number" about what follows them.
const OP_PATTERN = /<=|>=|==|!=|=<|=>|<|>|=/;

export function parseThreshold(expr: string): Threshold {
  const expression = expr.trim();
  // Declared with its type so that TypeScript narrows after `if (…) fail(…)`.
  const fail: (problem: string) => never = (problem) => {
    throw new ThresholdError(expression, problem);
  };
  if (!expression) fail(`empty; write [case.]figure op number, ${EXAMPLE}`);

  const opMatch = OP_PATTERN.exec(expression);
  if (!opMatch) fail(`no operator; write [case.]figure op number with one of ${THRESHOLD_OPS.join(' ')}, ${EXAMPLE}`);
  const op = opMatch[0];
  if (!isOp(op)) fail(`"${op}" is not an operator; use one of ${THRESHOLD_OPS.join(' ')} (== for equal)`);

  const left = expression.slice(0, opMatch.index).trim();
  const right = expression.slice(opMatch.index + op.length).trim();
  const { caseName, figure } = parseLeft(left, op, fail);
  const value = parseBound(right, op, figure, fail);
  const threshold: Threshold = { expression, figure, op, value };
  if (caseName !== undefined) threshold.case = caseName;
  return threshold;
}

const isOp = (op: string): op is ThresholdOp => (THRESHOLD_OPS as readonly string[]).includes(op);

/** `[case.]figure`, both names lower-cased so `idle.KiB` reads as the figure `kib`. */
function parseLeft(left: string, op: string, fail: (problem: string) => never): { caseName?: string; figure: FigureName } {
  if (!left) fail(`no figure before "${op}"; write [case.]figure, ${EXAMPLE}`);
  const parts = left.split('.').map((p) => p.trim().toLowerCase());
  if (parts.length > 2) fail(`"${left}" has more than one "."; write one case before the figure, e.g. group/1000.p99`);
  const [first, second] = parts as [string, string | undefined];

  if (second === undefined) {
    // The likeliest slip: a case without a figure (`pairs>3`); say which figure was meant.
    if (isCase(first)) fail(`"${first}" is a case, not a figure; write ${first}.<figure>, e.g. ${first}.${first.startsWith('latency') ? 'p99' : 'ratio'}`);
    return { figure: parseFigure(first, fail) };
  }
  if (!first) fail(`nothing before "."; write a case there, e.g. pairs.${second}, or drop the "."`);
  return { caseName: parseCase(first, fail), figure: parseFigure(second, fail) };
}

function parseFigure(name: string, fail: (problem: string) => never): FigureName {
  if (!name) fail(`no figure after "."; use one of ${Object.keys(FIGURES).join(', ')}`);
  if (!isFigureName(name)) fail(`unknown figure "${name}"; use one of ${Object.keys(FIGURES).join(', ')}`);
  return name;
}

const isWorkload = (name: string): name is WorkloadName => (WORKLOADS as readonly string[]).includes(name);
const isCase = (name: string): boolean => isWorkload(CASE_PATTERN.exec(name)?.[1] ?? '');

function parseCase(name: string, fail: (problem: string) => never): string {
  const m = CASE_PATTERN.exec(name);
  const workload = m?.[1] ?? name.split('/')[0]!;
  if (!isWorkload(workload)) fail(`unknown workload "${workload}"; use one of ${WORKLOADS.join(', ')}, optionally with a size (group/1000)`);
  if (!m) fail(`"${name}" is not a case; write a workload or workload/size, e.g. ${workload} or group/1000`);
  return name;
}

function parseBound(right: string, op: ThresholdOp, figure: FigureName, fail: (problem: string) => never): number {
  if (!right) fail(`no number after "${op}"; write e.g. ${figure}${op}${exampleBound(figure)}`);
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(.*)$/i.exec(right);
  if (!m) fail(`"${right}" is not a number; write e.g. ${figure}${op}${exampleBound(figure)}`);
  const number = Number(m[1]);
  const written = m[2] ?? '';
  if (!written) return number;

  const unit = FIGURES[figure].unit;
  // Two spellings of micro: the micro sign (U+00B5) and the Greek mu (U+03BC) keyboards produce.
  const normal = written.replace(/\u03bc/g, 'µ').toLowerCase();
  const found = UNITS[unit].find(([name]) => name.toLowerCase() === normal);
  if (!found) {
    const accepted = UNITS[unit].map(([name]) => name);
    fail(accepted.length
      ? `"${written}" is not a unit of ${figure} (${unit}); write ${accepted.join(', ')} or a bare number`
      : `${figure} is a count and takes no unit ("${written}"); write a bare number`);
  }
  // ×1000 and ÷1000 are not exact in binary (0.57 s → 570.0000000000001 ms); rounding to 15
  // significant digits gives back the number the user meant, so `==` and edges behave.
  return Number((number * found[1]).toPrecision(15));
}

function exampleBound(figure: FigureName): string {
  const unit = FIGURES[figure].unit;
  return { ms: '10ms', MB: '150MB', KiB: '8KiB', '%': '80%', '×': '0.6', 'msg/s': '10000', '': '0' }[unit];
}

const COMPARE: Record<ThresholdOp, (actual: number, bound: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
};

/** Whether a threshold's case covers a result: a workload covers all its sizes, a case only itself. */
const covers = (t: Threshold, r: CaseResult): boolean =>
  t.case === undefined || t.case === r.case.name || t.case === r.case.workload;

/**
 * Checks each threshold against every result it covers that measures its figure. One that checked
 * nothing fails: a typo'd case or a figure no case measures (rss of a remote server) would
 * otherwise pass silently, and the user would believe in a gate that is not there.
 */
export function evaluateThresholds(thresholds: readonly Threshold[], results: readonly CaseResult[]): ThresholdOutcome[] {
  return thresholds.map((t) => {
    const checks: ThresholdOutcome['checks'] = [];
    for (const r of results) {
      if (!covers(t, r)) continue;
      const actual = FIGURES[t.figure].read(r);
      if (actual === undefined) continue;
      checks.push({ case: r.case.name, actual, ok: COMPARE[t.op](actual, t.value) });
    }
    return { expression: t.expression, checks, ok: checks.length > 0 && checks.every((c) => c.ok) };
  });
}

/** `✓ pairs.ratio>0.6  (pairs 0.72)`: one line, plain text; the CLI colours it. */
export function describeOutcome(o: ThresholdOutcome): string {
  const mark = o.ok ? '✓' : '✗';
  const figure = figureOf(o.expression);
  if (o.checks.length === 0) return `${mark} ${o.expression}  (no case measured ${figure ?? 'its figure'})`;
  const unit = figure ? FIGURES[figure].unit : '';
  // Among passes and failures, say which failed; when all share one fate the leading mark says it.
  const mixed = o.checks.some((c) => c.ok) && o.checks.some((c) => !c.ok);
  const seen = o.checks.map((c) => `${c.case} ${formatFigure(c.actual, unit)}${mixed && !c.ok ? ' ✗' : ''}`);
  return `${mark} ${o.expression}  (${seen.join(', ')})`;
}

/** The figure of an outcome's expression; undefined for one this build cannot parse (an old report's). */
function figureOf(expression: string): FigureName | undefined {
  try {
    return parseThreshold(expression).figure;
  } catch {
    return undefined;
  }
}

const thousands = (v: number): string => Math.round(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function formatFigure(v: number, unit: Figure['unit']): string {
  switch (unit) {
    case 'msg/s': return `${thousands(v)} msg/s`;
    case 'ms': return `${v.toFixed(2)} ms`;
    case '%': return `${v.toFixed(1)}%`;
    case 'MB': return `${v.toFixed(1)} MB`;
    case 'KiB': return `${v.toFixed(2)} KiB`;
    case '×': return v.toFixed(2);
    case '': return Number.isInteger(v) ? thousands(v) : v.toFixed(2);
  }
}
