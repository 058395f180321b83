import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NodeControl } from '../nodes.js';

/**
 * `im scenario run --cluster N`: N real `im serve` processes on one PostgreSQL database and one
 * Redis bus, started by the run so that a scenario may kill -9 and restart them. Real processes,
 * not in-process servers: a SIGKILL must leave what a crashed node leaves (an unreleased node-id
 * lease, sockets dropped without a close frame).
 */

export interface LocalClusterSpec {
  nodes: number;
  /** postgres://… */
  db: string;
  /** redis://… */
  bus: string;
  /** Extra `im serve` flags for every node (the scenario's `server:` settings). */
  flags?: readonly string[];
  /** ms a node may take to print its ready line. */
  startTimeoutMs?: number;
}

const BIN = fileURLToPath(new URL('../../../bin/im.js', import.meta.url));
const DEFAULT_START_TIMEOUT_MS = 20_000;

interface NodeProcess {
  child: ChildProcess;
  /** Its ready line's URL; a restart takes the same port, so clients' URLs stay valid. */
  httpUrl: string;
  port: number;
  exited: Promise<void>;
}

export class LocalCluster implements NodeControl {
  readonly adminToken = randomBytes(18).toString('base64url');
  readonly #processes: (NodeProcess | undefined)[] = [];
  readonly #spec: LocalClusterSpec;
  #closed = false;

  private constructor(spec: LocalClusterSpec) {
    this.#spec = spec;
  }

  /** Starts every node (at once: the schema is created under a lock); stops those that started when one fails. */
  static async start(spec: LocalClusterSpec): Promise<LocalCluster> {
    const cluster = new LocalCluster(spec);
    LIVE.add(cluster);
    const started = await Promise.allSettled(Array.from({ length: spec.nodes }, (_, i) => cluster.#launch(i, 0)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await cluster.close();
      throw failed.reason;
    }
    return cluster;
  }

  get urls(): string[] {
    return this.#processes.map((p, i) => {
      if (!p) throw new Error(`node ${i + 1} is not running`);
      return p.httpUrl;
    });
  }

  /** SIGKILL to every node, without waiting: for a runner that is exiting. */
  killNow(): void {
    for (const p of this.#processes) p?.child.kill('SIGKILL');
  }

  async kill(index: number): Promise<void> {
    const p = this.#processes[index];
    if (!p) return;
    p.child.kill('SIGKILL');
    await p.exited;
  }

  async restart(index: number): Promise<void> {
    const p = this.#processes[index];
    if (!p) throw new Error(`node ${index + 1} was never started`);
    if (p.child.exitCode === null && p.child.signalCode === null) throw new Error(`node ${index + 1} is still running`);
    await this.#launch(index, p.port);
  }

  /** SIGTERM every node (a clean stop releases its lease), SIGKILL what has not exited in 10 s. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    LIVE.delete(this);
    await Promise.all(
      this.#processes.map(async (p) => {
        if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
        p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
        await p.exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Node `index` on `port` (0: any); resolves with its ready line, rejects with its error line. */
  async #launch(index: number, port: number): Promise<void> {
    const { db, bus, flags = [], startTimeoutMs = DEFAULT_START_TIMEOUT_MS } = this.#spec;
    const args = [BIN, 'serve', '--db', db, '--bus', bus, '--host', '127.0.0.1', '--port', String(port), '--admin-token', this.adminToken, '--log-level', 'warn', '--json', ...flags];
    // The user's IM_* settings are for their own `im serve`, not these nodes (IM_NODE_ID would clash).
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('IM_')));
    const child = spawn(process.execPath, args, { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      // The last lines only: enough to say why a node did not start.
      stderr = (stderr + chunk).slice(-4000);
    });
    const ready = await new Promise<{ httpUrl: string; port: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`node ${index + 1} did not start within ${startTimeoutMs} ms${lastLine(stderr)}`));
      }, startTimeoutMs);
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        clearTimeout(timer);
        try {
          const parsed = JSON.parse(line) as { httpUrl: string; port: number };
          resolve({ httpUrl: parsed.httpUrl, port: parsed.port });
        } catch {
          reject(new Error(`node ${index + 1} printed "${line.slice(0, 200)}" instead of its ready line`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        // stderr may still be arriving; its last line is the one-line `im: error:` when there is one.
        setImmediate(() => reject(new Error(`node ${index + 1} exited (${signal ?? `code ${code}`}) before it was ready${lastLine(stderr)}`)));
      });
    });
    // Keep draining its output, so a chatty node never blocks on a full pipe.
    child.stdout!.resume();
    this.#processes[index] = { child, exited, ...ready };
  }
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1)?.trim();
  return line ? `: ${line}` : '';
}

/** Clusters still running, killed if the runner exits without closing them (an uncaught error). */
const LIVE = new Set<LocalCluster>();
process.once('exit', () => {
  for (const cluster of LIVE) cluster.killNow();
});
