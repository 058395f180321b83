import chalk from 'chalk';

type Style = (s: string) => string;

// Peers get a stable colour from their id (weechat's nick colours); cyan and red stay reserved for
// the own user and errors so those never look like a peer.
const PEER_COLOURS: readonly Style[] = [
  (s) => chalk.yellow(s),
  (s) => chalk.magenta(s),
  (s) => chalk.green(s),
  (s) => chalk.blue(s),
  (s) => chalk.yellowBright(s),
  (s) => chalk.magentaBright(s),
  (s) => chalk.greenBright(s),
  (s) => chalk.blueBright(s),
];

function peerColour(userId: string): Style {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return PEER_COLOURS[hash % PEER_COLOURS.length] ?? ((s) => s);
}

/**
 * Semantic styles of the chat UI. Everything goes through chalk, so NO_COLOR (mapped to
 * FORCE_COLOR=0 before chalk loads) and non-TTY output turn every token into plain text; the UI
 * never relies on colour alone (selection and focus also get a marker character).
 */
export const theme = {
  unread: (s: string) => chalk.bold(s),
  meta: (s: string) => chalk.dim(s),
  time: (s: string) => chalk.gray(s),
  error: (s: string) => chalk.red(s),
  own: (s: string) => chalk.cyan(s),
  peer: (userId: string, s: string = userId) => peerColour(userId)(s),
  system: (s: string) => chalk.dim.italic(s),
  selected: (s: string) => chalk.inverse(s),
  // Without styles an inverse cell is invisible; the usual spot, the end of the line, can show `_`.
  cursor: (s: string) => (chalk.level > 0 ? chalk.inverse(s) : s === ' ' ? '_' : s),
  hint: (s: string) => chalk.dim(s),
  separator: (s: string) => chalk.dim(s),
  typing: (s: string) => chalk.italic(s),
  gap: (s: string) => chalk.magenta(s),
  title: {
    focused: (s: string) => chalk.inverse.bold(s),
    blurred: (s: string) => chalk.dim(s),
  },
  notice: {
    info: (s: string) => chalk.green(s),
    error: (s: string) => chalk.red(s),
  },
  status: {
    online: (s: string) => chalk.green(s),
    connecting: (s: string) => chalk.yellow(s),
    reconnecting: (s: string) => chalk.yellow(s),
    offline: (s: string) => chalk.red(s),
    kicked: (s: string) => chalk.red.bold(s),
  },
} as const;

export type ChatTheme = typeof theme;
