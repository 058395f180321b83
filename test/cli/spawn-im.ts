import { spawn } from 'node:child_process';
import { CLI, ROOT } from '../helpers/cli.js';

/** A running `node bin/im.js ARGS` that tests read while it runs (for commands that do not exit by themselves). */
export interface RunningIm {
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects, quoting both streams, if the process exits first or `timeoutMs` passes. */
  untilStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` (to this child's pid only) and resolves with how it exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built CLI without the caller's IM_* or colour settings (NO_COLOR=1), plus `env`. */
export function spawnIm(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): RunningIm {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('IM_') && k !== 'FORCE_COLOR' && k !== 'NO_COLOR'),
  );
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...inherited, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close', not 'exit': by then stdout and stderr hold everything the child wrote.
  let closed = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      closed = true;
      resolve({ code, signal });
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    stdout: () => out,
    stderr: () => err,
    untilStdout(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        let done = false;
        const check = () => {
          const m = pattern.exec(out);
          if (m) finish(() => resolve(m));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} on stdout within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`))), timeoutMs);
        const onExit = () => finish(() => reject(new Error(`im ${args.join(' ')} exited before printing ${pattern}\nstdout:\n${out}\nstderr:\n${err}`)));
        const finish = (then: () => void) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          child.stdout.off('data', check);
          child.off('close', onExit);
          then();
        };
        child.stdout.on('data', check);
        child.once('close', onExit);
        check();
        if (closed) onExit();
      });
    },
    stop(signal = 'SIGTERM') {
      if (running()) child.kill(signal);
      return exited;
    },
  };
}
