import { useEffect, useState, useSyncExternalStore } from 'react';
import type { LiveRunState, LiveRunStore } from './live-run-store.js';

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;
const SPINNER_INTERVAL_MS = 80;

/** The store's current snapshot; re-renders on every change. */
export function useLiveRun(store: LiveRunStore): LiveRunState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/** A frame counter that ticks while `active`, driving the spinner and the elapsed times. */
export function useTick(active: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((n) => n + 1), SPINNER_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [active]);
  return tick;
}
