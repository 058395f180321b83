import { execFileSync, spawnSync } from 'node:child_process';

/** Whether tmux can run here (CI installs it in .ci/run; a bare `npm test` skips what needs it). */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/**
 * One program in a tmux window of its own server (socket), as a person would run it: keys go in
 * with send-keys, the screen comes back with capture-pane. Polling the screen is how a person
 * waits too; every wait has a deadline and reports the last screen it saw.
 */
export class TmuxTerminal {
  readonly #socket: string;
  readonly #target = 'main';

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /**
   * Starts `command` (a shell line) in a `columns`×`rows` window. The line is followed by
   * `echo "exited with $?"` and a pause, so the exit status stays readable on the screen.
   */
  static start(name: string, command: string, columns: number, rows: number): TmuxTerminal {
    const t = new TmuxTerminal(`im-${name}-${process.pid}`);
    t.#tmux('new-session', '-d', '-s', t.#target, '-x', String(columns), '-y', String(rows), `${command}; echo "exited with $?"; sleep 60`);
    return t;
  }

  /** The visible screen, one string; `withEscapes` keeps the colour/attribute sequences. */
  screen(withEscapes = false): string {
    return this.#tmux('capture-pane', '-p', ...(withEscapes ? ['-e'] : []), '-t', this.#target);
  }

  keys(...keys: string[]): void {
    this.#tmux('send-keys', '-t', this.#target, ...keys);
  }

  /** Types text literally (no key names), as a paste would arrive. */
  type(text: string): void {
    this.#tmux('send-keys', '-t', this.#target, '-l', text);
  }

  resize(columns: number, rows: number): void {
    this.#tmux('resize-window', '-t', this.#target, '-x', String(columns), '-y', String(rows));
  }

  async waitFor(predicate: (screen: string) => boolean, label: string, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen();
      if (predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${label}; the screen was:\n${last}`);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server']);
  }

  #tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.#socket, ...args], { encoding: 'utf8' });
  }
}
