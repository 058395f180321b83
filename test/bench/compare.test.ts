import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CompareError, compareReports, formatComparison, readReport } from '../../src/bench/compare.js';
import type { BenchReport, CaseResult, Measure, WorkloadName } from '../../src/bench/types.js';
import { measure } from './measure-fixture.js';


interface Fixture { im?: Partial<Measure>; ratio?: number; spread?: number; ratioSpread?: number }

/** A case result named `name` (its workload is the part before any `/`). */
const result = (name: string, f: Fixture = {}): CaseResult => {
  const r: CaseResult = {
    case: { workload: name.split('/')[0] as WorkloadName, name, users: 100, messages: 1000, window: 32, title: name },
    im: measure(f.im),
    spread: f.spread ?? 0,
    ratioSpread: f.ratioSpread ?? 0,
    runs: [],
  };
  if (f.ratio !== undefined) r.ratio = f.ratio;
  return r;
};

const report = (runs: number, results: CaseResult[]): BenchReport => ({
  kind: 'im-bench',
  version: 1,
  startedAt: '2025-01-01T00:00:00.000Z',
  target: { kind: 'embedded', urls: [] },
  machine: { cpus: 8, node: 'v20.0.0', platform: 'linux' },
  runs,
  results,
  thresholds: [],
  warnings: [],
});

/** The one row of comparing one case between two reports of `runs` runs each. */
const row = (a: Fixture, b: Fixture, runs = 5, name = 'pairs') =>
  compareReports(report(runs, [result(name, a)]), report(runs, [result(name, b)])).rows[0]!;

describe('compareReports', () => {
  it('judges by the ratio when both reports have one, even against the figure', () => {
    const r = row({ im: { deliveriesPerSec: 10_000 }, ratio: 0.8 }, { im: { deliveriesPerSec: 12_000 }, ratio: 0.6 });
    expect(r.change).toBeCloseTo(0.2);
    expect(r.ratioChange).toBeCloseTo(-0.25);
    expect(r).toMatchObject({ basis: 'ratio', verdict: 'worse', a: 10_000, b: 12_000, aRatio: 0.8, bRatio: 0.6 });
  });

  it('calls a ratio rise beyond the spread better', () => {
    expect(row({ ratio: 0.7, ratioSpread: 0.02 }, { ratio: 0.8, ratioSpread: 0.03 })).toMatchObject({ verdict: 'better', noise: { ratio: 0.03 } });
  });

  it('calls a change inside the larger spread noise', () => {
    expect(row({ ratio: 0.7, ratioSpread: 0.1 }, { ratio: 0.75, ratioSpread: 0.01 }).verdict).toBe('within noise');
  });

  it('puts a 5% floor under the noise when a report has fewer than 3 runs', () => {
    const a = { ratio: 0.7, ratioSpread: 0.01 };
    const b = { ratio: 0.72, ratioSpread: 0.01 }; // +2.9%
    expect(row(a, b, 5)).toMatchObject({ verdict: 'better', noise: { ratio: 0.01 } });
    expect(row(a, b, 1)).toMatchObject({ verdict: 'within noise', noise: { ratio: 0.05, figure: 0.05 } });
    const mixed = compareReports(report(5, [result('pairs', a)]), report(2, [result('pairs', b)]));
    expect(mixed.rows[0]!.verdict).toBe('within noise');
    expect(mixed.noiseFloor).toBe(true);
  });

  it('counts a change of exactly the band as noise', () => {
    expect(row({ ratio: 1 }, { ratio: 1.05 }, 1).verdict).toBe('within noise');
    expect(row({ ratio: 1 }, { ratio: 1.06 }, 1).verdict).toBe('better');
  });

  it('judges by the figure when a report has no ratio', () => {
    const r = row({ im: { deliveriesPerSec: 10_000 }, ratio: 0.8, spread: 0.02 }, { im: { deliveriesPerSec: 8_000 }, spread: 0.01 });
    expect(r).toMatchObject({ basis: 'figure', verdict: 'worse', noise: { figure: 0.02 } });
    expect(r.change).toBeCloseTo(-0.2);
    expect(r.ratioChange).toBeUndefined();
  });

  it('uses connections/s for connect', () => {
    const r = row({ im: { messagesPerSec: 500, deliveriesPerSec: 0 } }, { im: { messagesPerSec: 600, deliveriesPerSec: 0 } }, 5, 'connect');
    expect(r).toMatchObject({ a: 500, b: 600, basis: 'figure', verdict: 'better' });
  });

  it('calls less memory per idle connection better, by figure and by ratio', () => {
    expect(row({ im: { kibPerConnection: 10 } }, { im: { kibPerConnection: 8 } }, 5, 'idle')).toMatchObject({ basis: 'figure', verdict: 'better' });
    expect(row({ im: { kibPerConnection: 8 } }, { im: { kibPerConnection: 10 } }, 5, 'idle').verdict).toBe('worse');
    expect(row({ ratio: 2 }, { ratio: 1.5 }, 5, 'idle')).toMatchObject({ basis: 'ratio', verdict: 'better' });
  });

  it('says a case without the figure in either report is not comparable', () => {
    expect(row({}, {}, 5, 'idle')).toMatchObject({ basis: 'none', verdict: 'not comparable', a: undefined });
  });

  it('lists the cases both have in a’s order, and those only one has', () => {
    const a = report(3, [result('pairs'), result('group/100'), result('group/1000')]);
    const b = report(3, [result('million/10000'), result('group/1000'), result('pairs')]);
    const c = compareReports(a, b);
    expect(c.rows.map((r) => r.case)).toEqual(['pairs', 'group/1000']);
    expect(c.onlyInA).toEqual(['group/100']);
    expect(c.onlyInB).toEqual(['million/10000']);
    expect(c.noiseFloor).toBe(false);
  });
});

describe('formatComparison', () => {
  const a = report(1, [
    result('pairs', { im: { deliveriesPerSec: 12_345.4 }, ratio: 0.72 }),
    result('idle', { im: { kibPerConnection: 6.5 } }),
    result('group/100'),
  ]);
  const b = report(1, [
    result('pairs', { im: { deliveriesPerSec: 13_500 }, ratio: 0.8 }),
    result('idle', { im: { kibPerConnection: 6.6 } }),
    result('chatroom'),
  ]);
  const lines = formatComparison(compareReports(a, b));

  it('has a header and one line per common case, columns aligned', () => {
    expect(lines[0]).toMatch(/^case\s+a\s+b\s+change\s+a ratio\s+b ratio\s+ratio change\s+noise\s+verdict$/);
    expect(lines[1]).toMatch(/^pairs\s+12,345 msg\/s\s+13,500 msg\/s\s+\+9\.4%\s+0\.72×\s+0\.80×\s+\+11\.1%\s+±5\.0%\s+better$/);
    expect(lines[2]).toMatch(/^idle\s+6\.50 KiB\s+6\.60 KiB\s+\+1\.5%\s+—\s+—\s+—\s+±5\.0%\s+within noise \(by figure\)$/);
    expect(lines[1]!.indexOf('better')).toBe(lines[0]!.indexOf('verdict'));
  });

  it('signs falls too', () => {
    const down = formatComparison(compareReports(b, a));
    expect(down[1]).toContain('-8.6%');
    expect(down[1]).toContain('-10.0%');
    expect(down[1]).toMatch(/worse$/);
  });

  it('names the cases only one report has and why the band is 5%', () => {
    expect(lines).toContain('only in a: group/100');
    expect(lines).toContain('only in b: chatroom');
    expect(lines.at(-1)).toMatch(/at least ±5%: a report has fewer than 3 runs/);
  });
});

describe('readReport', () => {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const dir = mkdtempSync(join(tmpdir(), 'im-bench-compare-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const error = (path: string): CompareError => {
    try {
      readReport(path);
    } catch (err) {
      expect(err).toBeInstanceOf(CompareError);
      expect((err as Error).name).toBe('CompareError');
      expect((err as Error).message).not.toContain('\n');
      return err as CompareError;
    }
    throw new Error(`${path} was read as a report`);
  };

  it('reads back what --out writes', () => {
    const r = report(3, [result('pairs', { ratio: 0.7 })]);
    expect(readReport(file('good.json', JSON.stringify(r, null, 2)))).toEqual(r);
  });

  it('names a missing file and how to write one', () => {
    const path = join(dir, 'absent.json');
    expect(error(path).message).toBe(`${path}: no such file; write one with im bench --out FILE`);
  });

  it('names a file that is not JSON', () => {
    const path = file('broken.json', '{"kind": "im-bench",\n "results": [');
    expect(error(path).message).toMatch(new RegExp(`^${escape(path)}: not JSON \\(.+\\), so not an im bench report; write one with im bench --out FILE$`));
  });

  it('names JSON that is not a report', () => {
    const path = file('other.json', '{"name": "im-sqlite"}');
    expect(error(path).message).toBe(`${path}: not an im bench report (no "kind": "im-bench"); write one with im bench --out FILE`);
  });

  it('names a report without results or with a broken result', () => {
    const noResults = file('no-results.json', JSON.stringify({ ...report(1, []), results: undefined }));
    expect(error(noResults).message).toContain('(no "results" list)');
    const bad = { ...report(1, [result('pairs')]), results: [{ case: { name: 'x', workload: 'nope' }, im: {}, spread: 0, ratioSpread: 0 }] };
    expect(error(file('bad-result.json', JSON.stringify(bad))).message).toContain('(results[0] has an unknown workload "nope")');
  });

  it('tells a report of another version from a foreign file', () => {
    const path = file('v2.json', JSON.stringify({ ...report(1, []), version: 2 }));
    expect(error(path).message).toBe(`${path}: an im bench report of version 2, and this im reads version 1; write it again with this im's im bench --out FILE`);
  });

  it('names a path it cannot read as a file', () => {
    expect(error(dir).message).toMatch(new RegExp(`^${escape(dir)}: cannot be read \\(EISDIR\\)$`));
  });
});
