import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/bench/types.js';
import { runIm } from '../helpers/cli.js';

/** `im bench` as a user runs it, at sizes that take seconds: output, report file, thresholds, compare, errors. */
describe('im bench (command line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'im-bench-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const reportPath = join(dir, 'a.json');

  it('prints a block per case with the relay beside im and the ratio, and writes the report for compare', async () => {
    const run = await runIm(['bench', 'pairs', 'group/4', '--users', '4', '--messages', '20', '--out', reportPath, '--threshold', 'lost==0', '--threshold', 'pairs.ratio>0']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^pairs — 2 one-to-one pairs × 20 messages, window 32$/m);
    expect(run.stdout).toMatch(/^ {2}im +[\d,]+ +[\d,]+ /m);
    expect(run.stdout).toMatch(/^ {2}relay +[\d,]+ +[\d,]+ /m);
    expect(run.stdout).toMatch(/^ {2}im ÷ relay \d+\.\d\d× \(deliveries\/s\)$/m);
    expect(run.stdout).toMatch(/^group\/4 — GROUP of 4 members online/m);
    expect(run.stdout).toMatch(/^✓ lost==0/m);
    // not a TTY: a line per phase on stderr instead of a redrawn bar
    expect(run.stderr).toMatch(/^pairs: im…$/m);
    expect(run.stderr).toMatch(/^pairs: relay…$/m);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as BenchReport;
    expect(report).toMatchObject({ kind: 'im-bench', version: 1, runs: 1, target: { kind: 'embedded' } });
    expect(report.results.map((r) => r.case.name)).toEqual(['pairs', 'group/4']);
    expect(report.thresholds.map((t) => t.ok)).toEqual([true, true]);
  }, 120_000);

  it('compares two reports: a report against itself is within noise', async () => {
    const run = await runIm(['bench', 'compare', reportPath, reportPath]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^a: .*a\.json/m);
    expect(run.stdout).toMatch(/pairs .*within noise/);
  });

  it('exits 1 naming a missed threshold; --json prints the report alone on stdout', async () => {
    const run = await runIm(['bench', 'latency', '--users', '2', '--messages', '5', '--no-baseline', '--json', '--threshold', 'latency.p99<0.001ms']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as BenchReport;
    expect(report.results[0]!.relay).toBeUndefined();
    expect(report.results[0]!.ratio).toBeUndefined();
    expect(report.thresholds).toEqual([expect.objectContaining({ expression: 'latency.p99<0.001ms', ok: false })]);
  }, 60_000);

  it.each([
    [['bench', 'pair'], /^im: error: unknown workload "pair": use pairs, group/],
    [['bench', '--threshold', 'p99<<3'], /^im: error: --threshold "p99<<3": /],
    [['bench', 'pairs', '--server', 'http://127.0.0.1:9'], /^im: error: --server needs the admin token of those nodes to make users: set IM_ADMIN_TOKEN or pass --admin-token$/],
    [['bench', '--users', '1'], /^im: error: .*--users/],
    [['bench', 'compare', join(tmpdir(), 'no-such-report.json'), 'b.json'], /^im: error: .*no-such-report\.json: no such file; write one with im bench --out FILE$/],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const run = await runIm(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(message as RegExp)]);
  });
});

describe('im bench --duration', () => {
  it('takes seconds as the issue writes them (--duration S): senders stop after that long, whatever --messages says', async () => {
    const run = await runIm(['bench', 'pairs', '--users', '2', '--duration', '1', '--no-baseline', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [result] = (JSON.parse(run.stdout) as BenchReport).results;
    expect(result!.case).toMatchObject({ durationS: 1 });
    expect(result!.case.title).toMatch(/for 1 s/);
    // about a second of sending (not 1 ms, not 2,000 messages' worth), and every message delivered
    expect(result!.im.seconds).toBeGreaterThanOrEqual(1);
    expect(result!.im.lost).toBe(0);
  }, 60_000);
});
