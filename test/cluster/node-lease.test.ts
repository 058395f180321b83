import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnIm } from '../cli/spawn-im.js';
import { runIm } from '../helpers/cli.js';
import { PG_URL, REDIS_URL, createTestDatabase } from '../helpers/cluster-services.js';
import { ensureBuilt, useSpawnHarness, type SpawnedServer } from '../helpers/spawn-server.js';

/**
 * The node-id lease, with real `im serve` processes on one PostgreSQL database and one Redis bus:
 * a node id is held by one live node at a time, a node killed with -9 frees its id within 10 s,
 * a node without --node-id takes a free one, and no node runs on the in-process bus beside another.
 */

if (!PG_URL || !REDIS_URL) {
  console.log('Node-lease cluster tests skipped: set IM_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres and IM_TEST_REDIS_URL=redis://127.0.0.1:6379 to run them');
}

const nodeIdOf = (server: SpawnedServer): number => Number(/^\s*node id\s+(\d+)\s*$/m.exec(server.stdout())?.[1]);

describe.skipIf(!PG_URL || !REDIS_URL)('node-id lease across im serve processes', () => {
  const procs = useSpawnHarness();
  const drops: (() => Promise<void>)[] = [];
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await procs.cleanup();
    for (const drop of drops.splice(0)) await drop();
  });

  async function database(): Promise<string> {
    const db = await createTestDatabase(PG_URL!);
    drops.push(() => db.drop());
    return db.url;
  }

  /** `im serve` on `db` that is expected to refuse to start. */
  const refused = (db: string, args: string[], env?: Record<string, string>) =>
    runIm(['serve', '--db', db, '--port', '0', '--log-level', 'warn', ...args], { timeoutMs: 20_000, ...(env ? { env } : {}) });

  it('refuses a second live node with the same --node-id in one line, exit 1, naming --node-id (or IM_NODE_ID)', async () => {
    const db = await database();
    const first = await procs.spawn({ db, args: ['--bus', REDIS_URL!, '--node-id', '3'] });
    expect(nodeIdOf(first)).toBe(3);

    const byFlag = await refused(db, ['--bus', REDIS_URL!, '--node-id', '3']);
    expect(byFlag.code).toBe(1);
    expect(byFlag.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^im: error: node id 3 is held by another live node .*--node-id/)]);

    const byVariable = await refused(db, [], { IM_BUS: REDIS_URL!, IM_NODE_ID: '3' });
    expect(byVariable.code).toBe(1);
    expect(byVariable.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^im: error: node id 3 is held .*IM_NODE_ID/)]);
    expect(byVariable.stderr).not.toContain('--node-id');
  });

  it('gives nodes started without --node-id distinct free ids, shown in the banner and the --json line', async () => {
    const db = await database();
    const [a, b] = await Promise.all([procs.spawn({ db, args: ['--bus', REDIS_URL!] }), procs.spawn({ db, args: ['--bus', REDIS_URL!] })]);
    expect([nodeIdOf(a), nodeIdOf(b)].sort()).toEqual([0, 1]);
    const healthNodeId = async (server: SpawnedServer) => ((await server.http.healthz()).body as { data: { nodeId: number } }).data.nodeId;
    expect(await healthNodeId(a)).toBe(nodeIdOf(a));
    expect(await healthNodeId(b)).toBe(nodeIdOf(b));

    const third = spawnIm(['serve', '--json', '--db', db, '--port', '0', '--log-level', 'warn', '--bus', REDIS_URL!]);
    try {
      const [line] = await third.untilStdout(/^.*\n/);
      expect(JSON.parse(line)).toMatchObject({ event: 'listening', nodeId: 2, bus: REDIS_URL });
    } finally {
      await third.stop('SIGTERM');
    }
  });

  it('frees the node id of a node killed with -9 once its 10 s lease expires', async () => {
    const db = await database();
    const victim = await procs.spawn({ db, args: ['--bus', REDIS_URL!, '--node-id', '5'] });
    await victim.kill('SIGKILL');
    const killedAt = Date.now();

    // Poll with a deadline: each attempt is a real start, refused while the lease is live.
    let successor: SpawnedServer | undefined;
    const refusals: string[] = [];
    // The deadline only bounds the wait on a loaded machine; speed is not what this asserts.
    while (!successor && Date.now() - killedAt < 45_000) {
      successor = await procs.spawn({ db, args: ['--bus', REDIS_URL!, '--node-id', '5'] }).catch((e: unknown) => {
        refusals.push((e as Error).message);
        return undefined;
      });
    }
    expect(successor, refusals.at(-1)).toBeDefined();
    expect(nodeIdOf(successor!)).toBe(5);
    // The dead node's lease held the id at first, then expired.
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((m) => /node id 5 is held by another live node/.test(m))).toBe(true);
  }, 60_000);

  it('frees the node id at once on a clean stop', async () => {
    const db = await database();
    const first = await procs.spawn({ db, args: ['--bus', REDIS_URL!, '--node-id', '6'] });
    expect(await first.close()).toEqual({ code: 0, signal: null });
    const next = await procs.spawn({ db, args: ['--bus', REDIS_URL!, '--node-id', '6'] });
    expect(nodeIdOf(next)).toBe(6);
  });

  it('refuses a node without --bus on a database another live node uses, and the other way round, naming --bus', async () => {
    const db = await database();
    const clustered = await procs.spawn({ db, args: ['--bus', REDIS_URL!, '--node-id', '1'] });
    const alone = await refused(db, ['--node-id', '2']);
    expect(alone.code).toBe(1);
    expect(alone.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^im: error: .*in-process bus.*--bus redis:\/\//)]);
    await clustered.close();

    const inProcess = await procs.spawn({ db, args: ['--node-id', '1'] });
    expect(nodeIdOf(inProcess)).toBe(1);
    const joining = await refused(db, ['--bus', REDIS_URL!]);
    expect(joining.code).toBe(1);
    expect(joining.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^im: error: node id 1 .*in-process bus.*--bus/)]);
  });
});
