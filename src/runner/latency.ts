import { CmdType } from '../protocol/codes.js';
import type { PushFrame } from '../protocol/frames.js';
import type { DeviceRecord, LatencySummary, SendRecord } from './types.js';

/**
 * Delivery latency: for each acknowledged persistent send, each recipient device's first PUSH of
 * that msgId, `push.at − send.at` (ms, both on the runner's clock). Pulls (SYNC, HISTORY) are
 * not deliveries of the fast path and do not count; neither do sends to nobody online.
 */
export function deliverySamples(sends: readonly SendRecord[], devices: readonly DeviceRecord[]): number[] {
  const byUser = new Map<string, Map<string, number>[]>();
  for (const device of devices) {
    const firstPush = new Map<string, number>();
    for (const { at, frame } of device.frames) {
      if (frame.header.cmd !== CmdType.PUSH) continue;
      const msgId = (frame as PushFrame).stamp?.msgId;
      if (typeof msgId === 'string' && !firstPush.has(msgId)) firstPush.set(msgId, at);
    }
    const list = byUser.get(device.user) ?? [];
    list.push(firstPush);
    byUser.set(device.user, list);
  }
  const samples: number[] = [];
  for (const send of sends) {
    if (!send.ack || !send.persist) continue;
    for (const user of send.recipients) {
      for (const firstPush of byUser.get(user) ?? []) {
        const at = firstPush.get(send.ack.msgId);
        if (at !== undefined) samples.push(Math.max(0, at - send.at));
      }
    }
  }
  return samples;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/** Reports show ms to 0.1: the clock is finer than anything a network latency means. */
const tenth = (ms: number): number => Math.round(ms * 10) / 10;

/** p50/p95/p99/max (nearest rank), in ms to 0.1; all zero with no samples. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: tenth(percentile(sorted, 50)),
    p95: tenth(percentile(sorted, 95)),
    p99: tenth(percentile(sorted, 99)),
    max: tenth(sorted.at(-1) ?? 0),
  };
}
