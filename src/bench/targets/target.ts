import type { ConvType } from '../../protocol/codes.js';
import type { TargetKind } from '../types.js';

/** A user the bench made on a target, with the token its sockets connect with. */
export interface BenchUser {
  userId: string;
  token: string;
}

/**
 * What a workload needs of the server it drives: users, friendships, groups and the URLs to
 * connect to. im and the relay both provide it, so a workload runs the same code on both.
 */
export interface BenchTarget {
  readonly kind: TargetKind;
  /** HTTP bases; users are spread over them (a cluster's nodes). */
  readonly urls: readonly string[];
  /** The process to measure (CPU, RSS), when it runs on this machine. */
  readonly pid?: number;
  /** One user per id, ready to connect. */
  provision(userIds: readonly string[]): Promise<BenchUser[]>;
  /** Makes each pair friends (one-to-one messages need it on im). */
  befriend(pairs: readonly (readonly [BenchUser, BenchUser])[]): Promise<void>;
  /** A group of `type` owned by `owner` with `members` (owner excluded). */
  createGroup(type: ConvType, owner: BenchUser, groupId: string, members: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Runs `task` over `items`, `concurrency` at a time. */
export async function inParallel<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}
