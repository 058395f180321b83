import { describe, expect, it } from 'vitest';
import { describeOutcome, evaluateThresholds, parseThreshold, ThresholdError, type Threshold } from '../../src/bench/thresholds.js';
import type { CaseResult, Measure, WorkloadName } from '../../src/bench/types.js';
import { measure } from './measure-fixture.js';


/** A case result named `name` (its workload is the part before any `/`). */
const result = (name: string, im: Partial<Measure> = {}, ratio?: number): CaseResult => {
  const workload = name.split('/')[0] as WorkloadName;
  const r: CaseResult = {
    case: { workload, name, users: 100, messages: 1000, window: 32, title: name },
    im: measure(im),
    spread: 0,
    ratioSpread: 0,
    runs: [],
  };
  if (ratio !== undefined) r.ratio = ratio;
  return r;
};

const latency = (p99: number): Partial<Measure> => ({ latency: { count: 10, p50: 1, p95: 2, p99, max: p99, mean: 1 } });

const outcome = (expr: string, results: CaseResult[]) => evaluateThresholds([parseThreshold(expr)], results)[0]!;

describe('parseThreshold', () => {
  it.each<[string, Omit<Threshold, 'expression'>]>([
    ['latency.p99<10ms', { case: 'latency', figure: 'p99', op: '<', value: 10 }],
    ['pairs.ratio>0.6', { case: 'pairs', figure: 'ratio', op: '>', value: 0.6 }],
    ['p99 < 5ms', { figure: 'p99', op: '<', value: 5 }],
    ['group/1000.ratio>=1.0x', { case: 'group/1000', figure: 'ratio', op: '>=', value: 1 }],
    ['lost==0', { figure: 'lost', op: '==', value: 0 }],
    ['pairs.rss<150MB', { case: 'pairs', figure: 'rss', op: '<', value: 150 }],
    ['idle.kib<=8KiB', { case: 'idle', figure: 'kib', op: '<=', value: 8 }],
    ['connect.errors==0', { case: 'connect', figure: 'errors', op: '==', value: 0 }],
    ['million/10000.deliveries > 20000/s', { case: 'million/10000', figure: 'deliveries', op: '>', value: 20000 }],
    ['cpu<=80%', { figure: 'cpu', op: '<=', value: 80 }],
    ['group.ratio>0.5×', { case: 'group', figure: 'ratio', op: '>', value: 0.5 }],
  ])('%s', (expr, expected) => {
    expect(parseThreshold(expr)).toEqual({ expression: expr, ...expected });
  });

  it('converts the bound to the figure unit', () => {
    expect(parseThreshold('latency.p99<0.01s').value).toBe(10);
    expect(parseThreshold('p99<0.57s').value).toBe(570);
    expect(parseThreshold('p50<500us').value).toBe(0.5);
    expect(parseThreshold('p50<250µs').value).toBe(0.25);
    expect(parseThreshold('p50<250μs').value).toBe(0.25); // Greek mu, not the micro sign
    expect(parseThreshold('rss<1GB').value).toBe(1024);
    expect(parseThreshold('rss<512KB').value).toBe(0.5);
    expect(parseThreshold('idle.kib<8 KB').value).toBe(8);
  });

  it('keeps the expression as written, trimmed, and reads names in any case', () => {
    const t = parseThreshold('  Idle.KiB <= 8kib ');
    expect(t).toEqual({ expression: 'Idle.KiB <= 8kib', case: 'idle', figure: 'kib', op: '<=', value: 8 });
  });

  it('names an unknown figure and lists the known ones', () => {
    expect(() => parseThreshold('pairs.speed>3')).toThrow(
      '--threshold "pairs.speed>3": unknown figure "speed"; use one of msgs, deliveries, p50, p95, p99, max, cpu, rss, kib, lost, duplicates, errors, ratio',
    );
  });

  it('names an unknown workload and lists the known ones', () => {
    expect(() => parseThreshold('foo.p99<5ms')).toThrow(/^--threshold "foo.p99<5ms": unknown workload "foo"; use one of pairs, group, million, chatroom, latency, connect, idle/);
    expect(() => parseThreshold('foo/100.p99<5ms')).toThrow('unknown workload "foo"');
  });

  it('says how to write a case with a size', () => {
    expect(() => parseThreshold('group/x.p99<5')).toThrow('"group/x" is not a case');
  });

  it('asks for the figure after a bare case', () => {
    expect(() => parseThreshold('pairs>3')).toThrow('"pairs" is a case, not a figure; write pairs.<figure>');
    expect(() => parseThreshold('group/1000>3')).toThrow('"group/1000" is a case');
  });

  it('asks for an operator, a number, a figure', () => {
    expect(() => parseThreshold('pairs.ratio 0.6')).toThrow('no operator');
    expect(() => parseThreshold('pairs.ratio>')).toThrow('--threshold "pairs.ratio>": no number after ">"; write e.g. ratio>0.6');
    expect(() => parseThreshold('p99<fast')).toThrow('"fast" is not a number');
    expect(() => parseThreshold('<5')).toThrow('no figure before "<"');
    expect(() => parseThreshold('   ')).toThrow('empty');
  });

  it('points at near-miss operators', () => {
    expect(() => parseThreshold('lost=0')).toThrow('"=" is not an operator; use one of < <= > >= ==');
    expect(() => parseThreshold('lost!=1')).toThrow('"!=" is not an operator');
    expect(() => parseThreshold('p99=<5')).toThrow('"=<" is not an operator');
  });

  it('refuses a unit that does not fit the figure, naming the ones that do', () => {
    expect(() => parseThreshold('latency.p99<10MB')).toThrow('"MB" is not a unit of p99 (ms); write ms, s, us, µs or a bare number');
    expect(() => parseThreshold('pairs.ratio>60%')).toThrow('"%" is not a unit of ratio');
    expect(() => parseThreshold('lost==0ms')).toThrow('lost is a count and takes no unit');
    expect(() => parseThreshold('idle.kib<1GB')).toThrow('"GB" is not a unit of kib (KiB)');
  });

  it('throws a ThresholdError with one line', () => {
    try {
      parseThreshold('pairs.speed>3');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ThresholdError);
      expect((err as Error).name).toBe('ThresholdError');
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

describe('evaluateThresholds', () => {
  it('treats 0.01s as 10ms', () => {
    const results = [result('latency', latency(9.99)), result('latency/2', latency(10.01))];
    const inSeconds = outcome('latency.p99<0.01s', results);
    expect(inSeconds.checks).toEqual([
      { case: 'latency', actual: 9.99, ok: true },
      { case: 'latency/2', actual: 10.01, ok: false },
    ]);
    expect(outcome('latency.p99<10ms', results)).toEqual({ ...inSeconds, expression: 'latency.p99<10ms' });
  });

  it('fails a threshold that matched no case, with no checks', () => {
    const o = outcome('million.p99<5ms', [result('pairs'), result('group/100')]);
    expect(o).toEqual({ expression: 'million.p99<5ms', checks: [], ok: false });
  });

  it('fails a threshold whose figure no case measured', () => {
    expect(outcome('rss<150MB', [result('pairs'), result('group/100')])).toMatchObject({ checks: [], ok: false });
  });

  it('skips the cases that do not measure the figure and checks the rest', () => {
    const o = outcome('rss<150MB', [result('pairs', { peakRssMb: 120 }), result('group/100')]);
    expect(o).toEqual({ expression: 'rss<150MB', checks: [{ case: 'pairs', actual: 120, ok: true }], ok: true });
  });

  it('applies a workload to all its sizes, and a size only to itself', () => {
    const results = [result('pairs', {}, 0.9), result('group/100', {}, 0.8), result('group/1000', {}, 0.4), result('million/10000', {}, 0.3)];
    const cases = (expr: string) => outcome(expr, results).checks.map((c) => c.case);
    expect(cases('group.ratio>0.5')).toEqual(['group/100', 'group/1000']);
    expect(cases('group/1000.ratio>0.5')).toEqual(['group/1000']);
    expect(cases('pairs.ratio>0.5')).toEqual(['pairs']);
    expect(cases('ratio>0.5')).toEqual(['pairs', 'group/100', 'group/1000', 'million/10000']);
    expect(cases('group/10.ratio>0.5')).toEqual([]);
  });

  it('fails when any covered case fails', () => {
    const results = [result('group/100', {}, 0.8), result('group/1000', {}, 0.4)];
    expect(outcome('group.ratio>0.5', results).ok).toBe(false);
    expect(outcome('group/100.ratio>0.5', results).ok).toBe(true);
  });

  it('compares with each operator, bounds included or not', () => {
    const lost = [result('pairs', { lost: 2 })];
    expect(outcome('lost<2', lost).ok).toBe(false);
    expect(outcome('lost<=2', lost).ok).toBe(true);
    expect(outcome('lost>2', lost).ok).toBe(false);
    expect(outcome('lost>=2', lost).ok).toBe(true);
    expect(outcome('lost==2', lost).ok).toBe(true);
    expect(outcome('lost==0', lost).ok).toBe(false);
  });

  it('returns one outcome per threshold, in order', () => {
    const outcomes = evaluateThresholds(['lost==0', 'p99<1'].map(parseThreshold), [result('pairs')]);
    expect(outcomes.map((o) => [o.expression, o.ok])).toEqual([['lost==0', true], ['p99<1', false]]);
  });
});

describe('describeOutcome', () => {
  it('shows a pass with the figure it saw', () => {
    expect(describeOutcome(outcome('pairs.ratio>0.6', [result('pairs', {}, 0.7234)]))).toBe('✓ pairs.ratio>0.6  (pairs 0.72)');
  });

  it('shows a failure with the unit', () => {
    expect(describeOutcome(outcome('latency.p99<5ms', [result('latency', latency(7.3149))]))).toBe('✗ latency.p99<5ms  (latency 7.31 ms)');
  });

  it('says when nothing was measured', () => {
    expect(describeOutcome(outcome('million.p99<5ms', [result('pairs')]))).toBe('✗ million.p99<5ms  (no case measured p99)');
  });

  it('marks the failing cases among several', () => {
    const o = outcome('group.deliveries>5000', [result('group/100', { deliveriesPerSec: 12345.6 }), result('group/1000', { deliveriesPerSec: 4321 })]);
    expect(describeOutcome(o)).toBe('✗ group.deliveries>5000  (group/100 12,346 msg/s, group/1000 4,321 msg/s ✗)');
  });

  it('marks no case when all failed', () => {
    const o = outcome('group.deliveries>50000', [result('group/100', { deliveriesPerSec: 12345.6 }), result('group/1000', { deliveriesPerSec: 4321 })]);
    expect(describeOutcome(o)).toBe('✗ group.deliveries>50000  (group/100 12,346 msg/s, group/1000 4,321 msg/s)');
  });

  it('still describes an outcome this build cannot parse', () => {
    expect(describeOutcome({ expression: 'pairs.speed>3', checks: [], ok: false })).toBe('✗ pairs.speed>3  (no case measured its figure)');
  });
});
