import { EventEmitter } from 'node:events';
import { Console } from 'node:console';
import { loadChatUi } from '../../../src/chat/ui/load-chat-ui.js';

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
 * `runChatUi`, loaded so it draws on a fake terminal even when CI is set, the way `im chat` loads
 * it for a real one (load-chat-ui.ts: ink reads CI once, at import). runChatUi renders with
 * patchConsole, which builds a `new console.Console`; vitest's global console object does not
 * carry that constructor, so it is given one.
 */
export async function loadRunChatUi(): Promise<typeof import('../../../src/chat/ui/run-chat-ui.js').runChatUi> {
  const { runChatUi } = await loadChatUi(true);
  const vitestConsole = console as Console & { Console?: typeof Console };
  vitestConsole.Console ??= Console;
  return runChatUi;
}
