import { render, type Instance } from 'ink';
import type { ChatSessionHandle } from '../session/session-types.js';
import { TerminalChatApp } from './TerminalChatApp.js';

export interface RunChatUiOptions {
  /** Default `process.stdout`; must be a terminal. */
  stdout?: NodeJS.WriteStream;
  /** Default `process.stdin`; must be a terminal (raw mode). */
  stdin?: NodeJS.ReadStream;
  /** The user quit from the keyboard (Ctrl-C, Ctrl-D on an empty line); called before the UI unmounts. */
  onQuit?: () => void;
  /** Aborting closes the UI as well, e.g. on `/quit` in a session. */
  signal?: AbortSignal;
}

/**
 * Runs the chat UI on the terminal until the user quits (or `signal` aborts) and the UI has
 * unmounted, leaving the screen clean. The sessions stay open: the caller closes them.
 */
export async function runChatUi(sessions: readonly ChatSessionHandle[], options: RunChatUiOptions = {}): Promise<void> {
  if (options.signal?.aborted) return;
  let instance: Instance | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    // Erase the frame first, so the shell prompt comes back where the UI started.
    instance?.clear();
    instance?.unmount();
  };
  const quitFromKeys = () => {
    if (closed) return;
    options.onQuit?.();
    close();
  };
  instance = render(<TerminalChatApp sessions={sessions} onQuit={quitFromKeys} />, {
    stdout: options.stdout ?? process.stdout,
    stdin: options.stdin ?? process.stdin,
    exitOnCtrlC: false,
    patchConsole: true,
    maxFps: 30,
    // ink 6.8.0's incremental renderer moves up one row too few before each update when the frame
    // keeps its trailing newline (as ours does, one row short of the terminal), so every update
    // lands a row lower. The standard renderer redraws the whole frame, inside synchronized-output
    // brackets on terminals that support them, which keeps it flicker-free there.
    incrementalRendering: false,
  });
  // Asked for now: a promise first requested after unmount would never settle.
  const exited = instance.waitUntilExit();
  options.signal?.addEventListener('abort', close, { once: true });
  try {
    await exited;
  } finally {
    options.signal?.removeEventListener('abort', close);
  }
}
