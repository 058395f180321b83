import type { BenchTarget } from '../targets/target.js';
import type { Case, Measure } from '../types.js';

/** What a workload gets besides its case and target. */
export interface WorkloadContext {
  /** Prepended to every user and group id: unique per run, so a running server's old users never clash. */
  prefix: string;
  /** Reports progress of the measured phase: `done` of `total` (deliveries, connections). */
  progress(phase: string, done: number, total: number): void;
  /** A missing PUSH is lost after this long without progress. */
  stallMs?: number;
}

export type Workload = (target: BenchTarget, c: Case, ctx: WorkloadContext) => Promise<Measure>;
