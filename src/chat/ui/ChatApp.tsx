import { Box, Text, useInput } from 'ink';
import { Fragment, useCallback, useRef, useState } from 'react';
import type { ChatSessionHandle } from '../session/session-types.js';
import { ChatPane, type ChatPaneHandle } from './ChatPane.js';
import { splitKeys } from './key-chunks.js';
import { keyAction } from './keymap.js';
import { paneLayout } from './layout.js';
import { Rows } from './Rows.js';
import { theme } from './theme.js';

export interface ChatAppProps {
  /** One pane per session, in this order; the first has the keyboard at start. */
  sessions: readonly ChatSessionHandle[];
  /** Terminal size; the app draws `columns` × `rows - 1`. */
  columns: number;
  rows: number;
  /** Ctrl-C, or Ctrl-D on an empty input line. */
  onQuit: () => void;
}

/**
 * Every session's pane, side by side or stacked (`paneLayout`), and the one keyboard handler:
 * quit and pane focus here, everything else to the focused pane. One row is left free: once its
 * output reaches the terminal height, ink 6 clears the whole screen on every frame (flicker).
 */
export function ChatApp({ sessions, columns, rows, onQuit }: ChatAppProps) {
  const height = Math.max(1, rows - 1);
  const count = sessions.length;
  const layout = paneLayout(columns, height, count);
  const [focus, setFocusState] = useState(0);
  const focusRef = useRef(0);
  const panes = useRef<(ChatPaneHandle | null)[]>([]);
  const setFocus = useCallback((index: number) => {
    focusRef.current = index;
    setFocusState(index);
  }, []);

  useInput((chunk, chunkKey) => {
    for (const { input, key } of splitKeys(chunk, chunkKey)) {
      const index = Math.min(focusRef.current, Math.max(0, count - 1));
      const pane = panes.current[index] ?? null;
      const action = keyAction(input, key, { inputEmpty: pane?.inputEmpty() ?? true });
      if (action === 'quit') return onQuit();
      if (action === 'focusNext') setFocus((index + 1) % Math.max(1, count));
      else if (action === 'focusPrevious') setFocus((index - 1 + count) % Math.max(1, count));
      else pane?.handle(action, input, key);
    }
  });

  if (count === 0) {
    return (
      <Box width={columns} height={height}>
        <Text wrap="truncate-end">{theme.hint('no sessions')}</Text>
      </Box>
    );
  }
  const focused = Math.min(focus, count - 1);
  const users = sessions.map((s) => s.view.userId);
  return (
    <Box flexDirection={layout.direction} width={columns} height={height} overflow="hidden">
      {sessions.map((session, i) => {
        const size = layout.panes[i] ?? { width: 0, height: 0 };
        return (
          <Fragment key={i}>
            {i > 0 && layout.direction === 'row' && (
              <Rows lines={Array<string>(size.height).fill(theme.separator('│'))} width={1} height={size.height} />
            )}
            <ChatPane
              ref={(handle: ChatPaneHandle | null) => {
                panes.current[i] = handle;
              }}
              session={session}
              width={size.width}
              height={size.height}
              focused={i === focused}
              paneNumber={count > 1 ? i + 1 : undefined}
              sessionUsers={users}
            />
          </Fragment>
        );
      })}
    </Box>
  );
}
