import { describe, expect, it } from 'vitest';
import { casesFor } from '../../src/bench/cases.js';
import { primaryOf } from '../../src/bench/figures.js';
import { runBench } from '../../src/bench/run-bench.js';
import type { CaseResult, Measure } from '../../src/bench/types.js';

/**
 * Every workload at a tiny size against a real embedded server (an `im serve` child on a temp
 * SQLite file, built by the global setup) and the relay, in one run: the counts add up on both
 * (every message delivered exactly once), and each ratio is made of the two measures beside it.
 * No figure's size is asserted: speed is what `im bench` prints, not what a test checks.
 */
describe('im bench: every workload, tiny, against im and the relay', () => {
  it('delivers every message exactly once on both and computes each ratio from the same run', async () => {
    const events: string[] = [];
    const report = await runBench({
      cases: casesFor([], { users: 6, messages: 20 }),
      runs: 1,
      baseline: true,
      onEvent: (e) => {
        if (e.type === 'measured') events.push(`${e.case.name}:${e.target}`);
      },
    });
    const byName = new Map(report.results.map((r) => [r.case.name, r]));
    expect([...byName.keys()]).toEqual(['pairs', 'group/6', 'million/6', 'chatroom/6', 'latency', 'connect', 'idle']);
    // im first, then the relay, case by case
    expect(events).toEqual([...byName.keys()].flatMap((n) => [`${n}:im`, `${n}:relay`]));

    const recipients: Record<string, [senders: number, perMessage: number]> = {
      pairs: [3, 1],
      latency: [3, 1],
      'group/6': [1, 5],
      'million/6': [1, 5],
      'chatroom/6': [1, 5],
    };
    for (const [name, [senders, perMessage]] of Object.entries(recipients)) {
      const r = byName.get(name)!;
      for (const [who, m] of [['im', r.im], ['relay', r.relay!]] as const) {
        const what = `${name} on ${who}`;
        expect(m.messages, what).toBe(senders * 20);
        expect(m.expected, what).toBe(senders * 20 * perMessage);
        expect(m.deliveries, what).toBe(m.expected);
        expect({ lost: m.lost, duplicates: m.duplicates, errors: m.errors }, what).toEqual({ lost: 0, duplicates: 0, errors: 0 });
        expect(m.latency.count, what).toBe(m.deliveries);
        expect(m.deliveriesPerSec, what).toBeCloseTo(m.deliveries / m.seconds, 6);
      }
      expectRatio(r);
    }
    for (const name of ['connect', 'idle']) {
      const r = byName.get(name)!;
      for (const m of [r.im, r.relay!]) expect({ opened: m.messages, refused: m.errors }, name).toEqual({ opened: 6, refused: 0 });
      expectRatio(r);
    }
    // A local server's CPU and memory are measured; idle's memory per connection too.
    for (const r of report.results) {
      expect(r.im.peakRssMb, r.case.name).toBeGreaterThan(0);
      if (r.case.workload !== 'idle') expect(r.im.cpuPercent, r.case.name).toBeGreaterThanOrEqual(0);
    }
    expect(byName.get('idle')!.im.kibPerConnection).toBeTypeOf('number');
    expect(report.warnings.filter((w) => !/used \d+% of a core/.test(w))).toEqual([]);
  }, 120_000);
});

describe('im bench: a fan-out case on receiver threads', () => {
  it('counts every PUSH of a 101-member group once, on im and the relay, with the threads it used', async () => {
    const report = await runBench({ cases: casesFor(['group'], { users: 101, messages: 5 }), runs: 1, baseline: true });
    const [r] = report.results;
    expect(r!.case.name).toBe('group/101');
    for (const m of [r!.im, r!.relay!]) {
      expect(m).toMatchObject({ messages: 5, expected: 500, deliveries: 500, lost: 0, duplicates: 0, errors: 0 });
      expect(m.latency.count).toBe(500);
      // The sending thread and at least one receiver thread.
      expect(m.driverThreads).toBeGreaterThanOrEqual(2);
    }
    expectRatio(r!);
  }, 120_000);
});

function expectRatio(r: CaseResult): void {
  const im = primaryOf(r.case.workload, r.im as Measure)!;
  const relay = primaryOf(r.case.workload, r.relay!)!;
  expect(r.ratio, r.case.name).toBeCloseTo(im / relay, 9);
  expect(r.runs).toHaveLength(1);
}
