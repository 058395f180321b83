import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/server/sync/memory-bus.js';
import { describeBus } from '../conformance/bus.js';

describeBus('MemoryBus', () => new MemoryBus());

describe('MemoryBus', () => {
  it('delivers synchronously, so a publisher sees its event handled before publish returns', async () => {
    const bus = new MemoryBus();
    const seen: number[] = [];
    await bus.subscribe((e) => seen.push(e.kind === 'read' ? e.readSeq : -1));
    bus.publish({ kind: 'read', convId: 'single:a:b', userId: 'a', readSeq: 7, notify: [], except: { nodeId: 0, connId: '0.1' } });
    expect(seen).toEqual([7]);
  });

  it('hands nothing on after close', async () => {
    const bus = new MemoryBus();
    const seen: unknown[] = [];
    await bus.subscribe((e) => seen.push(e));
    await bus.close();
    bus.publish({ kind: 'read', convId: 'single:a:b', userId: 'a', readSeq: 1, notify: [], except: { nodeId: 0, connId: '0.1' } });
    expect(seen).toEqual([]);
  });
});
