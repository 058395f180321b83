import { describe, expect, it } from 'vitest';
import { CaseError, casesFor } from '../../src/bench/cases.js';
import { WORKLOADS } from '../../src/bench/types.js';

describe('im bench cases', () => {
  it('runs every workload at the sizes the issue names when none is given', () => {
    const cases = casesFor([], {});
    expect(cases.map((c) => c.name)).toEqual(['pairs', 'group/100', 'group/1000', 'million/1000', 'million/10000', 'chatroom/1000', 'latency', 'connect', 'idle']);
    expect(cases.find((c) => c.name === 'pairs')).toMatchObject({ users: 100, messages: 2000, window: 32 });
    expect(cases.find((c) => c.name === 'latency')).toMatchObject({ users: 20, window: 1 });
    expect(cases.find((c) => c.name === 'connect')).toMatchObject({ users: 5000, messages: 0 });
    expect(cases.find((c) => c.name === 'idle')).toMatchObject({ users: 10_000 });
    expect(new Set(cases.map((c) => c.workload))).toEqual(new Set(WORKLOADS));
  });

  it('picks one size with workload/N, and any size may be asked for', () => {
    expect(casesFor(['group/1000'], {}).map((c) => [c.name, c.users, c.messages])).toEqual([['group/1000', 1000, 200]]);
    expect(casesFor(['million/50'], {}).map((c) => [c.name, c.users])).toEqual([['million/50', 50]]);
  });

  it('lets --users, --messages and --window replace the defaults, but latency keeps window 1', () => {
    const cases = casesFor(['pairs', 'group', 'latency', 'connect'], { users: 10, messages: 7, window: 3 });
    expect(cases.map((c) => [c.name, c.users, c.messages, c.window])).toEqual([
      ['pairs', 10, 7, 3],
      ['group/10', 10, 7, 3],
      ['latency', 10, 7, 1],
      ['connect', 10, 0, 0],
    ]);
  });

  it('sends for --duration instead of a count on message workloads only', () => {
    const cases = casesFor(['pairs', 'idle'], { durationS: 5 });
    expect(cases[0]).toMatchObject({ durationS: 5 });
    expect(cases[0]!.title).toMatch(/for 5 s/);
    expect(cases[1]!.durationS).toBeUndefined();
  });

  it('names what is wrong with a selection', () => {
    expect(() => casesFor(['pair'], {})).toThrow(CaseError);
    expect(() => casesFor(['pair'], {})).toThrow(/unknown workload "pair": use pairs, group, million, chatroom, latency, connect, idle/);
    expect(() => casesFor(['group/x'], {})).toThrow(/"group\/x" is not a workload with a size: write group\/1000/);
    expect(() => casesFor(['group/1'], {})).toThrow(/at least 2 users/);
  });

  it('runs a case named twice once', () => {
    expect(casesFor(['pairs', 'pairs', 'group/100', 'group'], {}).map((c) => c.name)).toEqual(['pairs', 'group/100', 'group/1000']);
  });
});
