import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runIm } from '../helpers/cli.js';
import { PG_URL, REDIS_URL, createTestDatabase, type TestDatabase } from '../helpers/cluster-services.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * Every example a person is shown must run as written: the `$ im …` lines of `im scenario
 * --help`, `im scenario run --help` and `im scenario check --help`, and the `im …` lines of the
 * ```sh blocks of docs/scenarios.md. Each runs through `sh -c` exactly as printed, with `im` on
 * the PATH (the built CLI), in a mirror of the project root: a folder holding a symlink to every
 * top-level entry of the root, so paths resolve as in the root and what an example writes
 * (reports/…) lands in the mirror, not in the work tree.
 *
 * Deviations, on purpose: `npx im` runs as `im` (npx would only add a slow lookup of the same
 * bin); an example that targets `--server http://127.0.0.1:7700` runs against a server this test
 * starts on a free port, with its URL in place of that one and IM_ADMIN_TOKEN set to its token
 * (a fixed port may be taken on a shared machine). A `--cluster` example runs on a database of
 * its own instead of the written one, with IM_TEST_REDIS_URL's Redis; the three nodes
 * :7701,:7702,:7703 of a `--server` list are three nodes this test starts on that database. Both
 * are left out (each said once) when IM_TEST_PG_URL / IM_TEST_REDIS_URL are not set.
 */

const EXAMPLE_TIMEOUT_MS = 60_000;
const WRITTEN_SERVER = 'http://127.0.0.1:7700';
/** The three nodes of docs/cluster.md, run here as three nodes of a test cluster. */
const WRITTEN_NODES = 'http://127.0.0.1:7701,http://127.0.0.1:7702,http://127.0.0.1:7703';
const WRITTEN_DB = /--db postgres:\/\/\S+/g;
const WRITTEN_BUS = /--bus redis:\/\/\S+/g;

let mirror: string;
let bin: string;
let server: TestServer;
let database: TestDatabase | undefined;
const clusterNodes: TestServer[] = [];

beforeAll(async () => {
  mirror = await mkdtemp(join(tmpdir(), 'im-examples-root-'));
  for (const entry of await readdir(ROOT)) await symlink(join(ROOT, entry), join(mirror, entry));
  bin = await mkdtemp(join(tmpdir(), 'im-examples-bin-'));
  await writeFile(join(bin, 'im'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(join(bin, 'im'), 0o755);
  server = await startServer();
  if (PG_URL && REDIS_URL) {
    database = await createTestDatabase(PG_URL);
    for (let i = 0; i < 3; i++) {
      clusterNodes.push(await startServer({ db: database.url, busUrl: REDIS_URL, adminToken: server.adminToken, scryptCost: 1024 }));
    }
  }
});

afterAll(async () => {
  await server?.close();
  for (const node of clusterNodes) await node.close();
  await database?.drop();
  await rm(mirror, { recursive: true, force: true });
  await rm(bin, { recursive: true, force: true });
});

/** `$ im scenario run …   # comment` lines of a help text, without the `$ `. */
function helpExamples(help: string): string[] {
  return [...help.matchAll(/^\s+\$ (im .*)$/gm)].map((m) => m[1] ?? '');
}

/** The `im …` / `npx im …` lines of the ```sh blocks of a markdown file. */
function docExamples(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.flatMap((b) => b.split('\n')).filter((line) => /^(npx )?im /.test(line));
}

interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function shell(line: string): Promise<ShellRun> {
  const local = line
    .replace(/^npx im /, 'im ')
    .replaceAll(WRITTEN_NODES, clusterNodes.map((n) => n.httpUrl).join(','))
    .replaceAll(WRITTEN_SERVER, server.httpUrl)
    .replaceAll(WRITTEN_DB, `--db ${database?.url ?? ''}`)
    .replaceAll(WRITTEN_BUS, `--bus ${REDIS_URL ?? ''}`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('IM_') && k !== 'FORCE_COLOR'));
  const env = { ...inherited, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH ?? ''}`, IM_ADMIN_TOKEN: server.adminToken };
  return new Promise((resolve) => {
    execFile('sh', ['-c', local], { cwd: mirror, env, timeout: EXAMPLE_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

async function runAll(examples: readonly string[]): Promise<string[]> {
  const failed: string[] = [];
  // One at a time: several would compete for the machine's cores, and none needs another.
  for (const example of examples) {
    if ((example.includes('--cluster') || example.includes(WRITTEN_NODES)) && database === undefined) {
      console.log(`Example left out (it needs IM_TEST_PG_URL and IM_TEST_REDIS_URL): ${example}`);
      continue;
    }
    const run = await shell(example);
    if (run.code !== 0) failed.push(`${example}\n  exit ${String(run.code)}\n  ${(run.stderr || run.stdout).trim().split('\n').slice(0, 5).join('\n  ')}`);
  }
  return failed;
}

describe('examples run as written from the project root', () => {
  it(
    'every `$ im …` line of im scenario --help, run --help and check --help exits 0',
    async () => {
      const examples: string[] = [];
      for (const args of [['scenario', '--help'], ['scenario', 'run', '--help'], ['scenario', 'check', '--help']]) {
        const help = await runIm(args);
        expect(help.code, args.join(' ')).toBe(0);
        examples.push(...helpExamples(help.stdout));
      }
      expect(examples.length).toBeGreaterThanOrEqual(10);
      expect(examples.some((e) => e.includes('--server'))).toBe(true);
      expect(await runAll(examples)).toEqual([]);
    },
    10 * EXAMPLE_TIMEOUT_MS,
  );

  it(
    'every im line of the sh blocks of docs/scenarios.md exits 0',
    async () => {
      const examples = docExamples(await readFile(join(ROOT, 'docs/scenarios.md'), 'utf8'));
      expect(examples.length).toBeGreaterThanOrEqual(4);
      expect(await runAll(examples)).toEqual([]);
    },
    10 * EXAMPLE_TIMEOUT_MS,
  );

  it('docs/scenarios.md points to docs/protocol.md, not to a PROTOCOL.md that is not there', async () => {
    const doc = await readFile(join(ROOT, 'docs/scenarios.md'), 'utf8');
    expect(doc).not.toMatch(/PROTOCOL\.md/);
    const links = [...doc.matchAll(/\]\(([^)#]+\.md)(#[^)]*)?\)/g)].map((m) => m[1] ?? '');
    expect(links).toContain('protocol.md');
    for (const link of links) await expect(readFile(join(ROOT, 'docs', link), 'utf8'), link).resolves.toEqual(expect.any(String));
  });
});
