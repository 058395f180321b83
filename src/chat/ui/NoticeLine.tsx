import type { Notice } from '../session/session-types.js';
import { Rows } from './Rows.js';
import { fitSegments, oneLine } from './text-width.js';
import { theme } from './theme.js';

export interface NoticeLineProps {
  notice: Notice | null;
  width: number;
}

/** The latest command result or refusal, one line; errors (which start with the code name) in the error colour. */
export function NoticeLine({ notice, width }: NoticeLineProps) {
  const line =
    notice === null
      ? ' '.repeat(Math.max(0, width))
      : fitSegments(
          [{ text: notice.level === 'error' ? ' ✗ ' : ' · ', style: notice.level === 'error' ? theme.notice.error : theme.hint }, { text: oneLine(notice.text), style: notice.level === 'error' ? theme.notice.error : theme.notice.info }],
          width,
        );
  return <Rows lines={[line]} width={width} height={1} />;
}
