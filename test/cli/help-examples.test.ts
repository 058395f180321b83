import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runIm } from '../helpers/cli.js';
import { spawnIm } from './spawn-im.js';

/**
 * The examples a reader copies: every `$ im …` line of `im --help`, `im serve --help` and
 * `im chat --help`, and every line of the README's ```sh blocks that runs `im` or `npx im`, run
 * as written (through the built CLI, in an empty temp directory, like a fresh clone's cwd).
 *
 * - `im serve …` does not exit by itself: it must print its ready banner, then stop cleanly on SIGTERM.
 * - `im chat …` needs a terminal, which a test has not got: it must refuse with its one line and exit 1
 *   (test/chat/e2e-tmux.test.ts drives it in a real one).
 * - a line that starts with `im scenario …` is skipped here, and so is an `&& im scenario …` step:
 *   test/cli/scenario-cli.test.ts and the scenario examples test run those.
 * - `im bench …` is skipped too: at its default sizes it runs for minutes; test/cli/bench-cli.test.ts
 *   runs it at small ones.
 * - `npm …` steps of a README line (`npm ci`, `npm pack`, `npm install -g`) are skipped: they
 *   install, for minutes; test/cli/package.test.ts checks what the install depends on.
 * - `IM_PORT=0` is in the environment, so a `im serve` written for port 7700 does not collide
 *   with anything else on this machine (a flag on the line would still win).
 */

interface Example {
  source: string;
  line: string;
}

const cwd = mkdtempSync(join(tmpdir(), 'im-examples-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const HELP_COMMANDS = [[], ['serve'], ['chat']];
/** Every command must show at least one example, the scenario ones included (they are run elsewhere). */
const ALL_COMMANDS = [...HELP_COMMANDS, ['scenario'], ['scenario', 'run'], ['scenario', 'check'], ['bench'], ['bench', 'compare']];

async function helpExamples(command: string[]): Promise<string[]> {
  const { code, stdout } = await runIm([...command, '--help']);
  expect(code).toBe(0);
  return [...stdout.matchAll(/^\s+\$ (.+)$/gm)].map((m) => m[1]!.trim()).filter(runsIm);
}

function readmeExamples(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n')).filter(runsIm);
}

const runsIm = (line: string) => commands(line).some((words) => imArgs(words) !== undefined);

/** A line's `&&`-separated commands, each as its words, without a trailing `# comment`. */
function commands(line: string): string[][] {
  const out: string[][] = [[]];
  const re = /\s*(?:(&&)|(#.*)|'([^']*)'|"([^"]*)"|((?:[^\s'"#&]|&(?!&))+))/gy;
  let word: string | undefined;
  for (let m = re.exec(line); m && m[0] !== ''; m = re.exec(line)) {
    if (m[2] !== undefined) break;
    if (m[1] !== undefined) {
      if (word !== undefined) out.at(-1)!.push(word);
      word = undefined;
      out.push([]);
      continue;
    }
    const part = m[3] ?? m[4] ?? m[5] ?? '';
    // Quotes glue to their neighbours: a="b c"d is one word.
    const glued = !/^\s/.test(m[0]) && word !== undefined;
    if (glued) word += part;
    else {
      if (word !== undefined) out.at(-1)!.push(word);
      word = part;
    }
  }
  if (word !== undefined) out.at(-1)!.push(word);
  return out.filter((c) => c.length > 0);
}

/** `NAME=value` words before the command. */
function assignments(words: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const w of words) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(w);
    if (!m) break;
    env[m[1]!] = m[2]!;
  }
  return env;
}

/** The arguments after `im` (or `npx im`), or undefined when the command is not im. */
function imArgs(words: string[]): string[] | undefined {
  const rest = words.slice(Object.keys(assignments(words)).length);
  if (rest[0] === 'im') return rest.slice(1);
  if (rest[0] === 'npx' && rest[1] === 'im') return rest.slice(2);
  return undefined;
}

const examples: Example[] = [
  ...(await Promise.all(HELP_COMMANDS.map(async (c) => (await helpExamples(c)).map((line) => ({ source: `im ${c.join(' ')} --help`.replace('  ', ' '), line }))))).flat(),
  ...readmeExamples().map((line) => ({ source: 'README.md', line })),
];

/** Runs one `&&` step; resolves with whether the next step would run (its exit status was 0). */
async function runStep(words: string[]): Promise<boolean> {
  const args = imArgs(words);
  if (args === undefined) return true; // an npm install step, skipped (see the top of this file)
  if (args[0] === 'scenario' || args[0] === 'bench') return false;
  const env = { NO_COLOR: '1', IM_PORT: '0', ...assignments(words) };
  const what = words.join(' ');
  if (args[0] === 'serve' && !args.includes('--help')) {
    const server = spawnIm(args, { cwd, env });
    try {
      await server.untilStdout(/^(im listening on http:\/\/\S+ |\{"event":"listening",.*\}$)/m);
    } finally {
      expect(await server.stop('SIGTERM'), `${what}\n${server.stderr()}`).toEqual({ code: 0, signal: null });
    }
    return true;
  }
  const run = await runIm(args, { cwd, env, timeoutMs: 20_000 });
  if (args[0] === 'chat' && !args.includes('--help')) {
    expect(run.code, what).toBe(1);
    expect(run.stderr.trim().split('\n'), what).toEqual([expect.stringMatching(/^im: error: im chat needs a terminal/)]);
    return false;
  }
  expect(run.code, `${what}\n${run.stderr}`).toBe(0);
  return true;
}

describe('examples in --help and the README run as written', () => {
  it.each(ALL_COMMANDS.map((c) => [c.join(' ') || '(no command)', c]))('im %s --help shows an example', async (_, command) => {
    expect((await helpExamples(command as string[])).length).toBeGreaterThan(0);
  });

  it('finds the examples it runs (guards against a pattern that matches nothing)', () => {
    expect(examples.filter((e) => e.source === 'README.md').length).toBeGreaterThanOrEqual(5);
    expect(examples.filter((e) => e.source === 'im serve --help').length).toBeGreaterThanOrEqual(3);
    expect(examples.map((e) => e.line)).toContainEqual(expect.stringMatching(/^IM_ADMIN_TOKEN=\S+ im serve /));
    expect(commands(`A=1 npx im chat "a b" --x && im scenario run x.yaml # comment`)).toEqual([
      ['A=1', 'npx', 'im', 'chat', 'a b', '--x'],
      ['im', 'scenario', 'run', 'x.yaml'],
    ]);
  });

  const firstIm = (e: Example) => commands(e.line).map(imArgs).find((args) => args !== undefined);
  const runnable = examples.filter((e) => firstIm(e)?.[0] !== 'scenario');
  const skipped = examples.filter((e) => !runnable.includes(e));

  it.each(runnable.map((e) => [e.source, e.line]))('%s: %s', async (_, line) => {
    for (const words of commands(line)) if (!(await runStep(words))) break;
  }, 30_000);

  it.skip.each(skipped.map((e) => [e.source, e.line]))('%s: %s (im scenario: run by the scenario examples test)', () => undefined);
});
