import { type Command, Option } from 'commander';
import type { ChatOptions } from '../services/chat.js';

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('the terminal chat: one pane per user (or user@device), each its own connection, every message with its msgId · seq · pts')
    .argument('<users...>', 'who to sign in as: alice, or alice@phone for a device other than "default"')
    .addOption(new Option('-s, --server <url>', 'the server to talk to; URL1,URL2,… spreads the panes over the nodes of a cluster (pane 1 on URL1, pane 2 on URL2…), and a pane whose node stops answering moves to the next').env('IM_SERVER').default('http://127.0.0.1:7700'))
    .addOption(new Option('--embedded', 'start a throwaway in-process server with these users registered and befriended').default(false).conflicts('server'))
    .addOption(new Option('--password <password>', 'password of every user given (else IM_PASSWORD, else a prompt)').env('IM_PASSWORD'))
    .addOption(new Option('--state-dir <dir>', 'where the last pts per user and device is kept').env('IM_STATE_DIR'))
    .addOption(new Option('--record <file.yaml>', 'write the session as a scenario file that `im scenario run` replays'))
    .addHelpText(
      'after',
      `
Keys: Tab focus next pane · Ctrl-N/Ctrl-P conversations · Alt-A next unread · PgUp/PgDn scroll
(older history loads at the top) · Ctrl-T metadata column · Ctrl-R reconnect (after a KICK)
· Ctrl-C quit. /help lists the commands.

Examples:
  $ im chat alice bob --embedded                  # two panes on a throwaway server, friends already
  $ im chat alice --server http://127.0.0.1:7700  # prompts for alice's password
  $ IM_PASSWORD=secret im chat alice@phone alice@laptop   # one user, two devices, side by side
  $ im chat alice bob --server http://127.0.0.1:7701,http://127.0.0.1:7702   # alice on node 1, bob on node 2
  $ im chat alice bob --embedded --record dm.yaml && im scenario run dm.yaml`,
    )
    .action(async (users: string[], opts: ChatOptions) => (await import('../services/chat.js')).runChat(users, opts));
}
