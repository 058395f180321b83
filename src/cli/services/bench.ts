import { writeFileSync } from 'node:fs';
import { compareReports, formatComparison, readReport } from '../../bench/compare.js';
import { runBench, type BenchEvent } from '../../bench/run-bench.js';
import { caseLines, summaryLines } from '../../bench/table.js';
import { describeOutcome, evaluateThresholds, type Threshold } from '../../bench/thresholds.js';
import type { BenchReport, Case } from '../../bench/types.js';
import { theme } from '../theme.js';
import { EXIT, UserError } from '../user-error.js';

export interface BenchRunOptions {
  cases: Case[];
  servers?: string[];
  adminToken?: string;
  runs: number;
  baseline: boolean;
  thresholds: Threshold[];
  json: boolean;
  out?: string;
}

export interface BenchIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** A redrawn progress line on stderr (a TTY outside CI); otherwise a line per phase. */
  interactive: boolean;
}

/**
 * `im bench`: runs the cases, prints a block per case as it finishes (or the JSON report), the
 * thresholds and the warnings; exit 1 when a threshold is missed or im lost or doubled a delivery.
 */
export async function runBenchCommand(options: BenchRunOptions, io: BenchIo): Promise<number> {
  const progress = new ProgressLine(io);
  const say = (line = '') => {
    if (!options.json) io.stdout.write(`${line}\n`);
  };
  const target = options.servers ? `the server at ${options.servers.join(', ')}` : 'an embedded server on a temporary SQLite file (a fresh one per case)';
  say(theme.muted(`im bench: ${options.cases.length} case${options.cases.length === 1 ? '' : 's'} on ${target}${options.baseline ? ', each beside a bare WebSocket relay' : ''}${options.runs > 1 ? `, ${options.runs} runs each` : ''}`));
  let report: BenchReport;
  try {
    report = await runBench({
      cases: options.cases,
      ...(options.servers ? { servers: options.servers } : {}),
      ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
      runs: options.runs,
      baseline: options.baseline,
      onEvent: (e) => {
        if (e.type !== 'done') return progress.update(e);
        // Each case's block as soon as it is measured: a long run shows its figures as it goes.
        progress.clear();
        say();
        const [head, ...rest] = caseLines(e.result);
        say(theme.heading(head!));
        for (const line of rest) say(line.trimStart().startsWith('im ÷ relay') ? theme.value(line) : line);
      },
    });
  } finally {
    progress.clear();
  }
  report.thresholds = evaluateThresholds(options.thresholds, report.results);
  if (options.out !== undefined) writeReport(options.out, report);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    if (report.results.length > 1 && options.baseline) {
      say();
      for (const line of summaryLines(report.results)) say(line);
    }
    if (report.thresholds.length) {
      say();
      for (const o of report.thresholds) say(o.ok ? theme.pass(describeOutcome(o)) : theme.fail(describeOutcome(o)));
    }
    for (const w of report.warnings) io.stderr.write(`${theme.warn('im bench: warning:')} ${w}\n`);
    if (options.out !== undefined) say(theme.muted(`\nreport written to ${options.out}; compare two with: im bench compare A.json B.json`));
  }
  const untrusted = report.results.filter((r) => r.runs.some((run) => run.im.lost > 0 || run.im.duplicates > 0));
  if (untrusted.length) {
    io.stderr.write(`${theme.error('im bench:')} im lost or doubled deliveries in ${untrusted.map((r) => r.case.name).join(', ')}: those figures are not to be trusted (see the warnings)\n`);
    return EXIT.FAILURE;
  }
  return report.thresholds.every((t) => t.ok) ? EXIT.OK : EXIT.FAILURE;
}

/** `im bench compare a.json b.json`. */
export function runBenchCompare(a: string, b: string, io: Pick<BenchIo, 'stdout'>): number {
  const ra = readReport(a);
  const rb = readReport(b);
  io.stdout.write(`a: ${a} (${ra.startedAt}, ${ra.runs} run${ra.runs === 1 ? '' : 's'})\nb: ${b} (${rb.startedAt}, ${rb.runs} run${rb.runs === 1 ? '' : 's'})\n\n`);
  for (const line of formatComparison(compareReports(ra, rb))) io.stdout.write(`${line}\n`);
  return EXIT.OK;
}

function writeReport(path: string, report: BenchReport): void {
  try {
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  } catch (e) {
    throw new UserError(`cannot write the report to ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give --out a path in a folder that exists and you may write to`);
  }
}

/** One redrawn line on a TTY (`pairs · im · sending ██████░░░░ 62% 62,000/100,000`); a line per phase elsewhere. */
class ProgressLine {
  readonly #io: BenchIo;
  #last = '';
  #drawnAt = 0;

  constructor(io: BenchIo) {
    this.#io = io;
  }

  update(e: Exclude<BenchEvent, { type: 'done' }>): void {
    const run = e.type === 'start' && e.runs > 1 ? ` (run ${e.run}/${e.runs})` : '';
    if (!this.#io.interactive) {
      if (e.type === 'start') this.#io.stderr.write(`${e.case.name}: ${e.target}${run}…\n`);
      return;
    }
    if (e.type === 'start') return this.#draw(`${e.case.name} · ${e.target}${run} · setting up`);
    if (e.type !== 'progress') return;
    const now = performance.now();
    if (now - this.#drawnAt < 100 && e.done < e.total) return;
    this.#drawnAt = now;
    const share = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    const width = 20;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    this.#draw(`${e.case.name} · ${e.target} · ${e.phase.padEnd(10)} ${bar} ${String(Math.round(share * 100)).padStart(3)}% ${e.done.toLocaleString('en')}/${e.total.toLocaleString('en')}`);
  }

  #draw(line: string): void {
    const columns = this.#io.stderr.columns ?? 100;
    const text = line.length >= columns ? line.slice(0, columns - 1) : line;
    this.#io.stderr.write(`\r${text.padEnd(this.#last.length)}`);
    this.#last = text;
  }

  clear(): void {
    if (this.#io.interactive && this.#last) this.#io.stderr.write(`\r${' '.repeat(this.#last.length)}\r`);
    this.#last = '';
  }
}
