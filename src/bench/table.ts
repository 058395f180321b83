import type { CaseResult, Measure, WorkloadName } from './types.js';

/**
 * The human report of `im bench`: a block per case with a row for im, one for the relay and the
 * ratio line. Plain strings; the CLI colours the ratio line and warnings.
 */

interface Column {
  head: string;
  cell(m: Measure): string;
}

const int = (x: number) => Math.round(x).toLocaleString('en');
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const orNa = (x: number | undefined, f: (x: number) => string) => (x === undefined ? 'n/a' : f(x));
const latencyColumns = (what: string): Column[] =>
  (['p50', 'p95', 'p99', 'max'] as const).map((p) => ({ head: `${what} ${p}`, cell: (m: Measure) => (m.latency.count ? `${ms(m.latency[p])} ms` : '-') }));
const machineColumns: Column[] = [
  { head: 'CPU', cell: (m) => orNa(m.cpuPercent, (x) => `${x}%`) },
  { head: 'peak RSS', cell: (m) => orNa(m.peakRssMb, (x) => `${int(x)} MB`) },
];

function columnsOf(workload: WorkloadName): Column[] {
  switch (workload) {
    case 'connect':
      return [{ head: 'conns/s', cell: (m) => int(m.messagesPerSec) }, { head: 'refused', cell: (m) => int(m.errors) }, ...latencyColumns('open'), ...machineColumns];
    case 'idle':
      return [
        { head: 'connections', cell: (m) => int(m.messages) },
        { head: 'KiB/conn', cell: (m) => orNa(m.kibPerConnection, (x) => x.toFixed(1)) },
        { head: 'RSS', cell: (m) => orNa(m.peakRssMb, (x) => `${int(x)} MB`) },
        { head: 'conns/s', cell: (m) => int(m.messagesPerSec) },
      ];
    default:
      return [
        { head: 'msgs/s', cell: (m) => int(m.messagesPerSec) },
        { head: 'deliveries/s', cell: (m) => int(m.deliveriesPerSec) },
        ...latencyColumns(''),
        ...machineColumns,
        { head: 'lost', cell: (m) => int(m.lost) },
      ];
  }
}

/** What the ratio is made of, in words. */
export function ratioBasis(workload: WorkloadName): string {
  if (workload === 'connect') return 'connections/s';
  if (workload === 'idle') return 'KiB per connection, lower is better';
  return 'deliveries/s';
}

/** The lines of one case's block. */
export function caseLines(r: CaseResult): string[] {
  const columns = columnsOf(r.case.workload);
  const rows: string[][] = [['', ...columns.map((c) => c.head.trim())]];
  rows.push(['im', ...columns.map((c) => c.cell(r.im))]);
  if (r.relay) rows.push(['relay', ...columns.map((c) => c.cell(r.relay!))]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = [`${r.case.name} — ${r.case.title}`];
  for (const row of rows) lines.push(`  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('   ')}`);
  lines.push(`  ${ratioLine(r)}`);
  return lines;
}

/** `im ÷ relay 0.72× (deliveries/s) · 3 runs, spread ±4%`. */
export function ratioLine(r: CaseResult): string {
  // The whole range, as im bench compare uses it for its noise band.
  const runs = r.runs.length > 1 ? ` · median of ${r.runs.length} runs, range ${Math.round((r.ratio === undefined ? r.spread : r.ratioSpread) * 100)}%` : '';
  if (r.ratio === undefined) return `im ÷ relay: n/a (${r.relay ? 'not measured on this server' : 'no baseline'})${runs}`;
  return `im ÷ relay ${r.ratio.toFixed(2)}× (${ratioBasis(r.case.workload)})${runs}`;
}

/** A one-line summary per case: the table at the end of a long run. */
export function summaryLines(results: readonly CaseResult[]): string[] {
  const rows = results.map((r) => [r.case.name, r.ratio === undefined ? 'n/a' : `${r.ratio.toFixed(2)}×`, ratioBasis(r.case.workload)]);
  const w0 = Math.max(4, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(10, ...rows.map((r) => r[1]!.length));
  return [`${'case'.padEnd(w0)}   ${'im ÷ relay'.padStart(w1)}   of`, ...rows.map((r) => `${r[0]!.padEnd(w0)}   ${r[1]!.padStart(w1)}   ${r[2]}`)];
}
