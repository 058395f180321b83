import { readdir } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/runner/reporters/json.js';
import { ROOT, runIm, type CliRun } from '../helpers/cli.js';

/**
 * QA's scenario suite (scenarios/*.yaml), run the way QA and CI run it: through the built CLI,
 * `im scenario run scenarios/ --reporter json`, with the default --jobs. Every file must pass with
 * no invariant violation, nothing lost and nothing duplicated.
 */

const RUN_TIMEOUT_MS = 90_000;

/** `node bin/im.js ARGS` at the repo root (test/helpers/cli.ts). */
const im = (args: readonly string[]) => runIm(args, { timeoutMs: RUN_TIMEOUT_MS });

/** One line per failed scenario, so a red test says which file and why without opening the JSON. */
function failures(report: JsonReport): string {
  return report.results
    .filter((r) => !r.passed || r.violations.length > 0 || r.lost > 0 || r.duplicates > 0)
    .map((r) => `${r.file}: ${r.headline ?? `violations ${r.violations.length}, lost ${r.lost}, duplicates ${r.duplicates}`}`)
    .join('\n');
}

describe('scenarios/ through `im scenario run --reporter json`', () => {
  let run: CliRun;
  let report: JsonReport;
  let files: string[];

  beforeAll(async () => {
    files = (await readdir(`${ROOT}scenarios`)).filter((f) => f.endsWith('.yaml')).map((f) => `scenarios/${f}`).sort();
    run = await im(['scenario', 'run', 'scenarios/', '--reporter', 'json']);
    report = JSON.parse(run.stdout) as JsonReport;
  }, RUN_TIMEOUT_MS);

  it('exits 0 with a passing report', () => {
    expect(failures(report)).toBe('');
    expect(run.code, run.stderr).toBe(0);
    expect(report.passed).toBe(true);
    expect(report.interrupted).toBe(false);
  });

  it('lists every scenarios/*.yaml file, each passed', () => {
    expect(files.length).toBeGreaterThanOrEqual(16);
    expect(report.results.map((r) => r.file).sort()).toEqual(files);
    expect(report.counts).toEqual({ total: files.length, passed: files.length, failed: 0, skipped: 0 });
    for (const r of report.results) {
      expect.soft(r.passed, `${r.file}: ${r.headline ?? ''}`).toBe(true);
      expect.soft(r.headline, r.file).toBeNull();
      expect.soft(r.error, r.file).toBeUndefined();
      expect.soft(r.failure, r.file).toBeUndefined();
    }
  });

  it('has zero violations, nothing lost, nothing duplicated, and no frame left unread', () => {
    for (const r of report.results) {
      expect.soft(r.violations, r.file).toEqual([]);
      expect.soft(r.lost, r.file).toBe(0);
      expect.soft(r.duplicates, r.file).toBe(0);
      expect.soft(r.unconsumed, r.file).toEqual([]);
      for (const t of r.thresholds) expect.soft(t.passed, `${r.file}: ${t.threshold.metric} ${t.threshold.op} ${t.threshold.value}`).toBe(true);
    }
  });

  it('gates on counts, never on timings', () => {
    for (const r of report.results) {
      for (const t of r.thresholds) expect.soft(t.threshold.metric, r.file).not.toMatch(/^delivery_ms/);
    }
  });
});
