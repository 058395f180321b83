import './no-color.js';
import { Command, CommanderError } from 'commander';
import { registerScenario } from './commands/scenario.js';
import { registerChat } from './commands/chat.js';
import { registerServe } from './commands/serve.js';
import { USER_FIXABLE } from './user-error.js';
import { theme } from './theme.js';

const program = new Command()
  .name('im')
  .description('An instant-messaging server on embedded SQLite, with the tools to drive it.')
  .version(process.env.npm_package_version ?? '0.1.0', '-v, --version')
  .option('--debug', 'print stack traces of unexpected errors')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Examples:
  $ im serve                       start a server on ./im.db, port 7700
  $ im serve --db :memory: --port 0
  $ im scenario run scenarios/     run every scenario file against a throwaway server
  $ im chat alice bob --embedded   two chat panes on a throwaway server
  $ im serve --help`,
  )
  .exitOverride();

registerServe(program);
registerScenario(program);
registerChat(program);

function fail(e: unknown): never {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const err = e as Error;
  if (USER_FIXABLE.has(err?.name)) {
    process.stderr.write(`${theme.error('im: error:')} ${err.message}\n`);
    const { exitCode } = err as { exitCode?: unknown };
    process.exit(typeof exitCode === 'number' ? exitCode : 1);
  } else if (program.opts().debug) {
    process.stderr.write(`${theme.error('im: unexpected error')}\n${err?.stack ?? String(e)}\n`);
  } else {
    process.stderr.write(`${theme.error('im: unexpected error:')} ${err?.message ?? String(e)} (run with --debug for the stack)\n`);
  }
  process.exit(1);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  fail(e);
}
