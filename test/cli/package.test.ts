import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const run = promisify(execFile);
const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;
const pkg = json('package.json') as { name: string; version: string; bin: Record<string, string>; files: string[] };
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/**
 * The npm name `im` belongs to an unrelated package, so this one has a name of its own while its
 * command stays `im`. Installing the packed tarball for real compiles better-sqlite3 (minutes),
 * so these tests check what decides whether that works: the name, the bin and the tarball's files.
 */
describe('the package: a name of its own, the bin im, a tarball that runs', () => {
  it('is not named im, and package-lock.json agrees on the name', () => {
    expect(pkg.name).not.toBe('im');
    const lock = json('package-lock.json') as { name: string; packages: Record<string, { name?: string }> };
    expect(lock.name).toBe(pkg.name);
    expect(lock.packages['']?.name).toBe(pkg.name);
  });

  it('installs the command im from bin/im.js', () => {
    expect(pkg.bin).toEqual({ im: 'bin/im.js' });
  });

  it('packs the built CLI (dist/) with bin/im.js, and neither sources nor tests', async () => {
    // --ignore-scripts: the test run has built dist/ already (test/global-setup.ts); `npm pack` runs `prepare` first.
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as { name: string; filename: string; files: { path: string }[] }[];
    const paths = packed!.files.map((f) => f.path);
    expect(packed!.name).toBe(pkg.name);
    expect(paths).toEqual(expect.arrayContaining(['bin/im.js', 'dist/cli/main.js', 'dist/server/create-server.js', 'package.json', 'README.md']));
    expect(paths.filter((p) => /^(src|test|node_modules)\//.test(p))).toEqual([]);
    expect(readme).toContain(`npm install -g ./${packed!.filename}`);
  }, 60_000);

  it('tells readers the package name for a global install, next to the command it gives', () => {
    expect(readme).toContain(`npm install -g ${pkg.name}`);
    expect(readme).toMatch(/^im serve\b/m);
  });

  it('still runs this clone\'s im with `npx im` in the clone (npx resolves the project\'s own bin)', async () => {
    const { stdout } = await run('npx', ['im', '--version'], { cwd: ROOT, env: { ...process.env, npm_config_yes: 'false' } });
    expect(stdout.trim()).toBe(pkg.version);
  }, 60_000);
});
