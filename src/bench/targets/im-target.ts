import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImHttp } from '../../client/http-client.js';
import type { ConvType } from '../../protocol/codes.js';
import { startChild, stopChild } from './child-process.js';
import { inParallel, type BenchTarget, type BenchUser } from './target.js';

const BIN = fileURLToPath(new URL('../../../bin/im.js', import.meta.url));
/** POST /system/users takes at most this many users a call. */
const USERS_PER_CALL = 1000;

/**
 * im under test: an `im serve` child on a temporary SQLite file (durable, as in production; the
 * file goes with it), or the running server or cluster of `--server`. Users are provisioned with
 * the admin token in calls of 1,000 (no password hashing on the way).
 */
export class ImTarget implements BenchTarget {
  readonly kind = 'im' as const;
  readonly urls: readonly string[];
  readonly pid?: number;
  readonly #adminToken: string;
  readonly #child?: ChildProcess;
  readonly #dir?: string;

  private constructor(urls: readonly string[], adminToken: string, local?: { child: ChildProcess; dir: string }) {
    this.urls = urls;
    this.#adminToken = adminToken;
    if (local) {
      this.#child = local.child;
      this.#dir = local.dir;
      this.pid = local.child.pid!;
    }
  }

  /** A fresh `im serve` on a new temporary SQLite file, with limits too high to matter. */
  static async startLocal(extraNodeArgs: readonly string[] = []): Promise<ImTarget> {
    const dir = mkdtempSync(join(tmpdir(), 'im-bench-'));
    const adminToken = randomBytes(18).toString('base64url');
    try {
      const args = [...extraNodeArgs, BIN, 'serve', '--db', join(dir, 'bench.db'), '--host', '127.0.0.1', '--port', '0', '--json', '--log-level', 'warn', '--admin-token', adminToken, '--rate-burst', '1000000000', '--rate-limit', '1000000000', '--read-limit', '1000000000', '--max-devices', '1000'];
      const { child, value } = await startChild(args, 'im serve', (line) => {
        if (!line.startsWith('{')) return undefined;
        try {
          return (JSON.parse(line) as { httpUrl?: string }).httpUrl;
        } catch {
          return undefined;
        }
      });
      return new ImTarget([value], adminToken, { child, dir });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** The server or cluster running at `urls`, set up with its admin token. */
  static remote(urls: readonly string[], adminToken: string): ImTarget {
    return new ImTarget(urls, adminToken);
  }

  async provision(userIds: readonly string[]): Promise<BenchUser[]> {
    const http = new ImHttp(this.urls[0]!).withToken(this.#adminToken);
    const users: BenchUser[] = [];
    for (let at = 0; at < userIds.length; at += USERS_PER_CALL) {
      const made = await http.systemUsers(userIds.slice(at, at + USERS_PER_CALL).map((userId) => ({ userId })));
      users.push(...made.map((u) => ({ userId: u.userId, token: u.token })));
    }
    return users;
  }

  async befriend(pairs: readonly (readonly [BenchUser, BenchUser])[]): Promise<void> {
    const http = new ImHttp(this.urls[0]!);
    await inParallel(pairs, 16, async ([a, b]) => {
      await http.withToken(a.token).friendAdd(b.userId);
      await http.withToken(b.token).friendAdd(a.userId);
    });
  }

  async createGroup(type: ConvType, owner: BenchUser, groupId: string, members: readonly string[]): Promise<void> {
    await new ImHttp(this.urls[0]!).withToken(owner.token).groupCreate({ groupId, type, name: groupId, members: [...members] });
  }

  async close(): Promise<void> {
    if (this.#child) await stopChild(this.#child);
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
