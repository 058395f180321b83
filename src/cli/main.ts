import './no-color.js';
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerScenario } from './commands/scenario.js';
import { registerChat } from './commands/chat.js';
import { registerServe } from './commands/serve.js';
import { usageErrorText } from './usage-error.js';
import { EXIT, USER_FIXABLE } from './user-error.js';
import { theme } from './theme.js';

// From the package itself: npm_package_version is the version of whichever project `npm` runs in.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command()
  .name('im')
  .description('An instant-messaging server on embedded SQLite, with the tools to drive it.')
  .version(version, '-v, --version')
  .option('--debug', 'print stack traces of unexpected errors')
  // Subcommands copy these two settings when they are created, so they come before register*().
  .configureOutput({ outputError: (message, write) => write(`${theme.error('im: error:')} ${usageErrorText(message)} (see ${commandPath()} --help)\n`) })
  .exitOverride()
  .addHelpText(
    'after',
    `
Exit status: 0 ok · 1 the command failed (the server could not start, a scenario failed) ·
2 usage error (unknown option or command, missing argument, bad flag or IM_* value) · 130 Ctrl-C.
Every error is one line on stderr starting "im: error:", naming the flag or variable to fix.

Examples:
  $ im serve                           # start a server on ./im.db, port 7700
  $ im serve --db :memory: --port 0    # a throwaway server on a free port
  $ im scenario run scenarios/         # every scenario file, each against a throwaway server
  $ im chat alice bob --embedded       # two chat panes on a throwaway server
  $ im bench pairs latency             # throughput and latency beside a bare relay
  $ im serve --help`,
  );

registerServe(program);
registerScenario(program);
registerChat(program);
registerBench(program);

/** `im scenario run` for `im scenario run --bogus`: the command whose --help explains the mistake. */
function commandPath(): string {
  const names = [program.name()];
  let command = program;
  for (const arg of process.argv.slice(2)) {
    if (arg.startsWith('-')) continue;
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(sub.name());
    command = sub;
  }
  return names.join(' ');
}

function fail(e: unknown): never {
  // Commander's parse errors exit 1 by default; on this CLI a wrong command line is a usage error.
  if (e instanceof CommanderError) process.exit(e.exitCode === EXIT.FAILURE ? EXIT.USAGE : e.exitCode);
  const err = e as Error;
  if (USER_FIXABLE.has(err?.name)) {
    process.stderr.write(`${theme.error('im: error:')} ${err.message}\n`);
    const { exitCode } = err as { exitCode?: unknown };
    process.exit(typeof exitCode === 'number' ? exitCode : EXIT.FAILURE);
  } else if (program.opts().debug) {
    process.stderr.write(`${theme.error('im: unexpected error')}\n${err?.stack ?? String(e)}\n`);
  } else {
    process.stderr.write(`${theme.error('im: unexpected error:')} ${err?.message ?? String(e)} (run with --debug for the stack)\n`);
  }
  process.exit(EXIT.FAILURE);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  fail(e);
}
