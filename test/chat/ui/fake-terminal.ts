import { EventEmitter } from 'node:events';

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

