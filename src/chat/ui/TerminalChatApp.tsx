import type { ChatSessionHandle } from '../session/session-types.js';
import { ChatApp } from './ChatApp.js';
import { useTerminalSize } from './use-terminal-size.js';

export interface TerminalChatAppProps {
  sessions: readonly ChatSessionHandle[];
  onQuit: () => void;
}

/** `ChatApp` sized to the terminal, redrawn from a clean screen when the terminal is resized. */
export function TerminalChatApp({ sessions, onQuit }: TerminalChatAppProps) {
  const { columns, rows } = useTerminalSize();
  return <ChatApp sessions={sessions} columns={columns} rows={rows} onQuit={onQuit} />;
}
