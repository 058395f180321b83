import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConvType } from '../../protocol/codes.js';
import { startChild, stopChild } from './child-process.js';
import type { BenchTarget, BenchUser } from './target.js';

// From the package root, so that the built relay is found from src/ (tests) as from dist/.
const RELAY_MAIN = fileURLToPath(new URL('../../../dist/bench/relay/main.js', import.meta.url));

/** The bare relay in its own process, measured like the server; its tokens are the userIds. */
export class RelayTarget implements BenchTarget {
  readonly kind = 'relay' as const;
  readonly urls: readonly string[];
  readonly pid: number;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, url: string) {
    this.#child = child;
    this.pid = child.pid!;
    this.urls = [url];
  }

  static async start(): Promise<RelayTarget> {
    const { child, value } = await startChild([RELAY_MAIN], 'the relay', (line) => /relay listening on (http:\/\/\S+)/.exec(line)?.[1]);
    return new RelayTarget(child, value);
  }

  async provision(userIds: readonly string[]): Promise<BenchUser[]> {
    return userIds.map((userId) => ({ userId, token: userId }));
  }

  async befriend(): Promise<void> {
    // The relay checks nothing.
  }

  async createGroup(_type: ConvType, owner: BenchUser, groupId: string, members: readonly string[]): Promise<void> {
    const res = await fetch(`${this.urls[0]}/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ groupId, members: [owner.userId, ...members] }),
    });
    if (!res.ok) throw new Error(`the relay refused the group ${groupId} (HTTP ${res.status})`);
  }

  close(): Promise<void> {
    return stopChild(this.#child);
  }
}
