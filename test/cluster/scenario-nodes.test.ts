import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIm } from '../helpers/cli.js';
import { PG_URL, REDIS_URL, createTestDatabase, type TestDatabase } from '../helpers/cluster-services.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * `im scenario run` over several nodes: `--server URL1,URL2,URL3` against three running nodes of
 * one cluster (the whole scenarios/ suite), and `--cluster 3`, where the run starts real
 * `im serve` processes per scenario and may kill -9 and restart them. Real PostgreSQL + Redis.
 */

const ADMIN_TOKEN = 'cluster-suite-admin';

describe.skipIf(!PG_URL || !REDIS_URL)('im scenario run across the nodes of a cluster', () => {
  let db: TestDatabase;
  const nodes: TestServer[] = [];
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase(PG_URL!);
    dir = await mkdtemp(join(tmpdir(), 'im-cluster-scenarios-'));
    // One after the other: the first creates the schema and the cluster id.
    for (let i = 0; i < 3; i++) nodes.push(await startServer({ db: db.url, busUrl: REDIS_URL, adminToken: ADMIN_TOKEN, scryptCost: 1024 }));
  });

  afterAll(async () => {
    for (const node of nodes.splice(0)) await node.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes the whole scenarios/ suite with --server over three nodes (but rate-limit.yaml, which sets the embedded server)', async () => {
    const servers = nodes.map((n) => n.httpUrl).join(',');
    const out = await runIm(['scenario', 'run', 'scenarios/', '--server', servers, '--filter', '/^(?!.*rate.limit)/', '--reporter', 'json', '--jobs', '2'], {
      env: { NO_COLOR: '1', IM_ADMIN_TOKEN: ADMIN_TOKEN },
      timeoutMs: 300_000,
    });
    const report = JSON.parse(out.stdout) as { passed: boolean; server: string; results: { file: string; passed: boolean; error?: string }[] };
    expect(report.results.filter((s) => !s.passed), out.stdout.slice(0, 4000)).toEqual([]);
    expect(report.results.length).toBeGreaterThanOrEqual(17);
    expect(report.server).toBe(servers);
    expect(out.code).toBe(0);
  }, 320_000);

  it('spreads devices round-robin over the nodes, keeps pins, and names the node of every frame in transcripts', async () => {
    const file = join(dir, 'spread.yaml');
    await writeFile(
      file,
      [
        'name: spread',
        'users:',
        '  alice: {}',
        '  bob: { devices: [phone, laptop] }',
        '  carol: { node: 1 }',
        'setup:',
        '  friends: [[alice, bob], [alice, carol]]',
        'steps:',
        '  - send: { from: alice, to: bob, text: hi }',
        '  - expect: { user: bob@phone, frame: { cmd: PUSH, content: { text: hi } } }',
        '  - expect: { user: bob@laptop, frame: { cmd: PUSH, content: { text: hi } } }',
        '  - send: { from: alice, to: carol, text: hey }',
        '  - expect: { user: carol, frame: { cmd: PUSH, content: { text: nope } } }',
        '    timeout: 300ms',
      ].join('\n'),
    );
    const transcripts = join(dir, 'frames');
    const out = await runIm(['scenario', 'run', file, '--server', nodes.map((n) => n.httpUrl).join(','), '--transcript', transcripts], { env: { NO_COLOR: '1' } });
    expect(out.code).toBe(1);
    // The failure's last frames say which node each came through: carol is pinned to node 1.
    expect(out.stdout).toMatch(/via node 1 PUSH/);
    // alice → node 1, bob@phone → 2, bob@laptop → 3; carol is pinned to 1 and takes no turn.
    const read = async (actor: string) => {
      const files = (await readdir(transcripts, { recursive: true })).filter((p) => p.endsWith(`${actor}.jsonl`));
      expect(files).toHaveLength(1);
      const lines = (await readFile(join(transcripts, files[0]!), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { node?: number });
      return [...new Set(lines.map((l) => l.node))];
    };
    expect(await read('alice@default')).toEqual([1]);
    expect(await read('bob@phone')).toEqual([2]);
    expect(await read('bob@laptop')).toEqual([3]);
    expect(await read('carol@default')).toEqual([1]);
  });

  it('--cluster 3 starts its own nodes: a node killed with -9 loses nothing, its devices fail over and catch up, the restarted node serves again', async () => {
    const out = await runIm(['scenario', 'run', 'examples/cluster/node-failover.yaml', 'scenarios/rate-limit.yaml', '--cluster', '3', '--db', db.url, '--bus', REDIS_URL!], {
      timeoutMs: 120_000,
    });
    expect(out.stdout, out.stdout + out.stderr).toMatch(/2 passed, 0 failed/);
    expect(out.code).toBe(0);
  }, 130_000);
});

describe('im scenario run --cluster / --server usage', () => {
  it('refuses --cluster without --db and --bus, --db without --cluster, and a bad URL in a --server list, each in one line, exit 2', async () => {
    const noDb = await runIm(['scenario', 'run', 'scenarios/single.yaml', '--cluster', '3']);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr.trim()).toBe('im: error: --cluster 3 needs --db postgres://USER@HOST:PORT/DB and --bus redis://HOST:PORT: the nodes share them');
    const dbAlone = await runIm(['scenario', 'run', 'scenarios/single.yaml', '--db', 'postgres://x@127.0.0.1/im']);
    expect(dbAlone.code).toBe(2);
    expect(dbAlone.stderr).toMatch(/--db is for the nodes --cluster N starts: add --cluster 3/);
    const badList = await runIm(['scenario', 'run', 'scenarios/single.yaml', '--server', 'http://127.0.0.1:7700,nope']);
    expect(badList.code).toBe(2);
    expect(badList.stderr).toMatch(/--server must be a URL like http:\/\/127\.0\.0\.1:7700 \(or several, comma-separated\), got "nope"/);
    const both = await runIm(['scenario', 'run', 'scenarios/single.yaml', '--server', 'http://127.0.0.1:7700', '--cluster', '2']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/cannot be used with/);
  });
});
