import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts a Node child (`im serve`, the relay) and resolves with its first stdout line that
 * `ready` accepts; rejects with its last stderr line when it exits first or stays silent.
 */
export async function startChild(args: readonly string[], what: string, ready: (line: string) => string | undefined, timeoutMs = 20_000): Promise<{ child: ChildProcess; value: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const value = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${timeoutMs} ms${lastLine(stderr)}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8');
    const onData = (chunk: string) => {
      out += chunk;
      for (const line of out.split('\n')) {
        const v = ready(line);
        if (v === undefined) continue;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout!.off('data', onData);
        resolve(v);
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      setImmediate(() => reject(new Error(`${what} exited (${signal ?? `code ${code}`}) before it was ready${lastLine(stderr)}`)));
    });
  });
  child.stdout!.resume();
  return { child, value };
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the child has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1)?.trim();
  return line ? `: ${line}` : '';
}
