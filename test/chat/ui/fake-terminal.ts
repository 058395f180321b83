import { EventEmitter } from 'node:events';
import { Console } from 'node:console';

/** A terminal's output side: records writes, has a size, emits 'resize'. */
export class FakeTty extends EventEmitter {
  // Not a TTY: ink would otherwise hide the cursor and register an exit hook that writes the
  // "show cursor" sequence to the test worker's real stderr.
  isTTY = false;
  columns = 100;
  rows = 24;
  readonly writes: string[] = [];
  write(data: string, callback?: () => void): boolean {
    this.writes.push(data);
    callback?.();
    return true;
  }
  get output(): string {
    return this.writes.join('');
  }
}

/** A terminal's input side in raw mode, as ink reads it ('readable' then read()). */
export class FakeKeyboard extends EventEmitter {
  isTTY = true;
  #data: string | null = null;
  press(data: string): void {
    this.#data = data;
    this.emit('readable');
  }
  read(): string | null {
    const data = this.#data;
    this.#data = null;
    return data;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}


/**
 * `runChatUi`, loaded so it can draw on a fake terminal. ink decides at import time (is-in-ci)
 * to write nothing but the last frame when CI is set, so it is imported with CI unset and the
 * variables are put back right after (other test files may share this worker process).
 * runChatUi renders with patchConsole, which builds a `new console.Console`; vitest's global
 * console object does not carry that constructor, so it is given one.
 */
export async function loadRunChatUi(): Promise<typeof import('../../../src/chat/ui/run-chat-ui.js').runChatUi> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return (await import('../../../src/chat/ui/run-chat-ui.js')).runChatUi;
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
    const vitestConsole = console as Console & { Console?: typeof Console };
    vitestConsole.Console ??= Console;
  }
}
