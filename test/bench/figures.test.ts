import { describe, expect, it } from 'vitest';
import { FIGURES, foldRuns, median, primaryOf, ratioOf, spreadOf } from '../../src/bench/figures.js';
import type { Case, CaseResult, Measure, WorkloadName } from '../../src/bench/types.js';
import { measure } from './measure-fixture.js';


const caseOf = (workload: WorkloadName, name: string = workload): Case =>
  ({ workload, name, users: 100, messages: 1000, window: 32, title: name });

/** A run whose im delivered `im` per second and whose relay delivered `relay`. */
const run = (im: number, relay?: number): CaseResult['runs'][number] => {
  const r: CaseResult['runs'][number] = { im: measure({ deliveriesPerSec: im }) };
  if (relay !== undefined) {
    r.relay = measure({ deliveriesPerSec: relay });
    r.ratio = im / relay;
  }
  return r;
};

describe('median', () => {
  it('takes the middle of an odd count, unsorted', () => {
    expect(median([5, 1, 3])).toBe(3);
  });

  it('averages the two middles of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('is NaN for nothing', () => {
    expect(median([])).toBeNaN();
  });
});

describe('spreadOf', () => {
  it('is (max − min) ÷ median', () => {
    expect(spreadOf([90, 100, 110])).toBeCloseTo(0.2);
  });

  it('is 0 for one run or none', () => {
    expect(spreadOf([123])).toBe(0);
    expect(spreadOf([])).toBe(0);
  });

  it('ignores runs without the figure (NaN)', () => {
    expect(spreadOf([NaN, 100, 120])).toBeCloseTo(20 / 110);
  });
});

describe('ratioOf', () => {
  it('is im ÷ relay of the primary figure', () => {
    expect(ratioOf('pairs', measure({ deliveriesPerSec: 600 }), measure({ deliveriesPerSec: 1000 }))).toBeCloseTo(0.6);
  });

  it('uses connections/s for connect and KiB for idle', () => {
    expect(ratioOf('connect', measure({ messagesPerSec: 300, deliveriesPerSec: 1 }), measure({ messagesPerSec: 600 }))).toBeCloseTo(0.5);
    expect(ratioOf('idle', measure({ kibPerConnection: 12 }), measure({ kibPerConnection: 4 }))).toBeCloseTo(3);
  });

  it('is undefined without a relay, with a relay at 0, or with a figure not measured', () => {
    expect(ratioOf('pairs', measure(), undefined)).toBeUndefined();
    expect(ratioOf('pairs', measure(), measure({ deliveriesPerSec: 0 }))).toBeUndefined();
    expect(ratioOf('idle', measure(), measure({ kibPerConnection: 4 }))).toBeUndefined();
  });
});

describe('foldRuns', () => {
  it('picks the median run by the primary figure, with its relay', () => {
    const runs = [run(900, 1000), run(1100, 1000), run(1000, 2000)];
    const result = foldRuns(caseOf('pairs'), runs);
    expect(result.im).toBe(runs[2]!.im);
    expect(result.relay).toBe(runs[2]!.relay);
  });

  it('picks the lower middle of an even count, a run that really happened', () => {
    const runs = [run(400), run(100), run(300), run(200)];
    expect(foldRuns(caseOf('pairs'), runs).im.deliveriesPerSec).toBe(200);
  });

  it('orders idle by KiB per connection', () => {
    const runs = [8, 4, 6].map((kib) => ({ im: measure({ kibPerConnection: kib, deliveriesPerSec: 10 - kib }) }));
    expect(foldRuns(caseOf('idle'), runs).im.kibPerConnection).toBe(6);
  });

  it('takes the median ratio and the spreads of figure and ratio', () => {
    const runs = [run(900, 1000), run(1000, 1000), run(1100, 1000)];
    const result = foldRuns(caseOf('pairs'), runs);
    expect(result.ratio).toBeCloseTo(1.0);
    expect(result.spread).toBeCloseTo(0.2);
    expect(result.ratioSpread).toBeCloseTo(0.2);
    expect(result.runs).toBe(runs);
  });

  it('has no ratio, no relay and no spread from one run without a baseline', () => {
    const result = foldRuns(caseOf('pairs'), [run(1000)]);
    expect(result.ratio).toBeUndefined();
    expect(result).not.toHaveProperty('relay');
    expect(result.spread).toBe(0);
    expect(result.ratioSpread).toBe(0);
  });

  it('refuses no runs, naming the case', () => {
    expect(() => foldRuns(caseOf('group', 'group/100'), [])).toThrow('no runs of group/100');
  });
});

describe('FIGURES', () => {
  it('reads no latency percentile from a measure that saw no latency', () => {
    const r = foldRuns(caseOf('idle'), [{ im: measure({ latency: { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 } }) }]);
    expect(FIGURES.p99.read(r)).toBeUndefined();
    expect(FIGURES.lost.read(r)).toBe(0);
  });

  it('reads the primary figure the ratio is made of', () => {
    expect(primaryOf('group', measure({ deliveriesPerSec: 42 }))).toBe(42);
  });
});
