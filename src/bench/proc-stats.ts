import { readFileSync } from 'node:fs';

/**
 * CPU and memory of a local process from /proc (Linux): what the server and the relay cost
 * while a case runs. Elsewhere every reading is undefined and the tables say n/a.
 */

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux Node runs on. */
const TICKS = 100;

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** Resident set size now, in bytes. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files of this process, or undefined where /proc does not say. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Starts measuring a process's CPU; the function returns its use since then, % of one core. */
export function cpuMeter(pid: number): () => number | undefined {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  return () => {
    const cpu1 = cpuSeconds(pid);
    const seconds = (performance.now() - t0) / 1000;
    if (cpu0 === undefined || cpu1 === undefined || seconds <= 0) return undefined;
    return Math.round(((cpu1 - cpu0) / seconds) * 100);
  };
}

/** How busy this thread's event loop is from now until called, in % of the time. */
export function ownBusyMeter(): () => number {
  const start = performance.eventLoopUtilization();
  return () => Math.round(performance.eventLoopUtilization(start).utilization * 100);
}

/** This process's CPU from now on (every thread), % of one core: is the driver the bottleneck? */
export function ownCpuMeter(): () => number {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const used = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    return seconds > 0 ? Math.round(((used.user + used.system) / 1e6 / seconds) * 100) : 0;
  };
}

/** Samples a process's RSS every `everyMs` from now until stopped: its peak while a case ran. */
export class RssSampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  #peak = 0;

  constructor(pid: number, everyMs = 100) {
    this.#pid = pid;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
    this.#timer.unref();
  }

  #sample(): void {
    const rss = rssBytes(this.#pid);
    if (rss !== undefined && rss > this.#peak) this.#peak = rss;
  }

  /** The peak so far in MB (sampling once more now), or undefined when /proc gave nothing. */
  peakMb(): number | undefined {
    this.#sample();
    return this.#peak > 0 ? Math.round(this.#peak / 1024 / 1024) : undefined;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
