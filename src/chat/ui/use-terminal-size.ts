import { useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';

export interface TerminalSize {
  columns: number;
  rows: number;
}

// Erase the screen and the scrollback, cursor home. After a resize the terminal has re-wrapped
// the old frame, so ink's own erase (so many lines up) misses part of it.
const CLEAR_SCREEN = '\u001B[2J\u001B[3J\u001B[H';

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/**
 * ink's stdout size, following 'resize'. After a change the screen is cleared through ink's
 * `write`, which keeps ink's idea of what is on screen right: it erases its frame, writes the
 * clear, then redraws the whole last frame (a raw write would leave ink erasing lines that are
 * no longer there, or, with incremental rendering, skipping lines it thinks are unchanged).
 */
export function useTerminalSize(): TerminalSize {
  const { stdout, write } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () =>
      setSize((prev) => {
        const next = sizeOf(stdout);
        return prev.columns === next.columns && prev.rows === next.rows ? prev : next;
      });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  const mounted = useRef(false);
  useEffect(() => {
    if (mounted.current) write(CLEAR_SCREEN);
    mounted.current = true;
  }, [size, write]);
  return size;
}
