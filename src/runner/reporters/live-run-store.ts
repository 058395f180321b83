import type { StepEvent } from '../types.js';

/** A scenario still running, as the live view shows it. */
export interface RunningScenario {
  file: string;
  name: string;
  /** Date.now() when it started. */
  startedAt: number;
  /** The step in progress (or the last one that finished): where it was written and its kind. */
  step?: { file: string; line: number; kind: string };
}

/** A finished scenario: its verdict line, rendered once and never redrawn. */
export interface FinishedScenario {
  key: string;
  line: string;
  passed: boolean;
}

export interface LiveRunState {
  total: number;
  startedAt: number;
  running: RunningScenario[];
  finished: FinishedScenario[];
  passed: number;
  failed: number;
  /** True once the run has ended: the view drops its live rows. */
  done: boolean;
}

/**
 * The live view's data, fed by reporter hooks and read through useSyncExternalStore: every
 * change replaces the snapshot, so React sees a new object and re-renders.
 */
export class LiveRunStore {
  private state: LiveRunState = { total: 0, startedAt: Date.now(), running: [], finished: [], passed: 0, failed: 0, done: false };
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): LiveRunState => this.state;

  start(total: number): void {
    this.update({ total, startedAt: Date.now() });
  }

  scenarioStarted(file: string, name: string): void {
    this.update({ running: [...this.state.running, { file, name, startedAt: Date.now() }] });
  }

  step(event: StepEvent): void {
    const step = { file: event.source.file, line: event.source.line, kind: event.kind };
    this.update({ running: this.state.running.map((r) => (r.file === event.file ? { ...r, step } : r)) });
  }

  scenarioEnded(file: string, passed: boolean, line: string): void {
    const { running, finished } = this.state;
    this.update({
      running: running.filter((r) => r.file !== file),
      finished: [...finished, { key: `${finished.length}:${file}`, line, passed }],
      passed: this.state.passed + (passed ? 1 : 0),
      failed: this.state.failed + (passed ? 0 : 1),
    });
  }

  finish(): void {
    this.update({ running: [], done: true });
  }

  private update(patch: Partial<LiveRunState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
