import { Box, type Key } from 'ink';
import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import { conversationList, timelineView } from '../model/chat-selectors.js';
import type { ChatSessionHandle, Overlay } from '../session/session-types.js';
import { ConversationBar } from './ConversationBar.js';
import { ConversationList } from './ConversationList.js';
import { emptyTimelineHint } from './empty-hint.js';
import { InputLine } from './InputLine.js';
import type { ChatAction } from './keymap.js';
import { paneRegions } from './layout.js';
import { NoticeLine } from './NoticeLine.js';
import { OverlayView, overlayBody } from './OverlayView.js';
import { INITIAL_PANE_UI, paneStep, type PaneContext, type PaneEffect, type PaneUiState } from './pane-controller.js';
import { PaneTitle } from './PaneTitle.js';
import { Rows } from './Rows.js';
import { StatusLine } from './StatusLine.js';
import { theme } from './theme.js';
import { rowWidth, Timeline } from './Timeline.js';
import { META_COLUMN_MIN_WIDTH, timelineRows } from './timeline-rows.js';
import { useSessionView } from './use-session-view.js';

/** What the app calls on the focused pane. */
export interface ChatPaneHandle {
  /** Ctrl-D quits and ↑/↓ move the message cursor only on an empty input line. */
  inputEmpty(): boolean;
  /** A key the app does not handle itself (everything but quit and pane focus). */
  handle(action: ChatAction, input: string, key: Partial<Key>): void;
}

export interface ChatPaneProps {
  session: ChatSessionHandle;
  width: number;
  height: number;
  focused: boolean;
  /** 1-based, shown in the title when there are several panes. */
  paneNumber?: number | undefined;
  /** Every pane's user, this one's included: the empty pane suggests `/dm` to the others. */
  sessionUsers?: readonly string[];
  ref?: Ref<ChatPaneHandle>;
}

/** What the rows were computed from last render, to keep a scrolled-up view still when rows change. */
interface RowsAnchor {
  convId: string | null;
  first: string | null | undefined;
  count: number;
  layout: string;
  overlay: Overlay | null;
}

function runEffect(session: ChatSessionHandle, effect: PaneEffect): void {
  switch (effect.kind) {
    case 'submit':
      session.submit(effect.line, { selectedMsgId: effect.selectedMsgId });
      return;
    case 'select':
      session.select(effect.convId);
      return;
    case 'loadOlder':
      session.loadOlder(effect.convId);
      return;
    case 'typing':
      session.typing();
      return;
    case 'dismissOverlay':
      session.dismissOverlay();
      return;
    case 'reconnect':
      session.reconnect();
      return;
  }
}

/**
 * One user's pane: title, conversation list (a left column when wide, a bar when narrow),
 * timeline or overlay, notice, input and status lines, exactly `width` × `height`. Keeps the UI
 * state that is nobody else's business: the input buffer, scroll, message cursor, metadata toggle.
 */
export function ChatPane({ session, width, height, focused, paneNumber, sessionUsers = [], ref }: ChatPaneProps) {
  const view = useSessionView(session);
  const { state, overlay } = view;
  const convId = state.selected;
  const [ui, setUiState] = useState<PaneUiState>(INITIAL_PANE_UI);
  // Keys can arrive several per render (ink emits a burst synchronously): each must see the last.
  const uiRef = useRef(ui);
  const setUi = useCallback((next: PaneUiState) => {
    uiRef.current = next;
    setUiState(next);
  }, []);

  const regions = paneRegions(width, height);
  const contentWidth = rowWidth(regions.timelineWidth);
  const timeline = convId === null ? undefined : state.timelines[convId];
  const rows = useMemo(
    () =>
      convId === null
        ? []
        : timelineRows(timelineView(state, convId), {
            width: contentWidth,
            ownUserId: view.userId,
            showMeta: ui.showMeta,
            metaColumn: regions.timelineWidth >= META_COLUMN_MIN_WIDTH,
          }),
    // `state` changes on every event; the rows depend only on this conversation's messages.
    [convId, timeline, state.pending, contentWidth, regions.timelineWidth, view.userId, ui.showMeta],
  );
  const conversations = useMemo(() => conversationList(state), [state.conversations]);
  const overlayRows = overlay === null ? null : overlayBody(overlay, regions.timelineWidth).length;

  // Adjusting state while rendering (rather than in an effect) avoids drawing one wrong frame.
  const layout = `${contentWidth}:${ui.showMeta}`;
  const first = rows.find((r) => r.msgId !== null)?.msgId;
  const [anchor, setAnchor] = useState<RowsAnchor>({ convId, first, count: rows.length, layout, overlay });
  if (anchor.convId !== convId || anchor.first !== first || anchor.count !== rows.length || anchor.layout !== layout || anchor.overlay !== overlay) {
    let next = uiRef.current;
    if (anchor.convId !== convId) {
      next = { ...next, scroll: 0, cursor: null };
    } else if (next.scroll > 0 && anchor.layout === layout && anchor.first === first && rows.length > anchor.count) {
      // Rows added below a scrolled-up view: scroll by as much so what the user reads stays put.
      next = { ...next, scroll: next.scroll + rows.length - anchor.count };
    }
    if (anchor.overlay !== overlay) next = { ...next, overlayScroll: 0 };
    setAnchor({ convId, first, count: rows.length, layout, overlay });
    if (next !== uiRef.current) setUi(next);
  }

  const context = useRef<PaneContext>({ state, rows, height: 0, overlayRows });
  context.current = {
    state,
    rows,
    height: overlay === null ? regions.timelineHeight : Math.max(0, regions.timelineHeight - 1),
    overlayRows,
  };

  const handle = useCallback(
    (action: ChatAction, input: string, key: Partial<Key>) => {
      const step = paneStep(uiRef.current, action, input, key, context.current);
      if (step.ui !== uiRef.current) setUi(step.ui);
      for (const effect of step.effects) runEffect(session, effect);
    },
    [session, setUi],
  );
  useImperativeHandle(ref, () => ({ inputEmpty: () => uiRef.current.editor.text === '', handle }), [handle]);

  // A pane with nothing selected opens the first conversation that shows up (e.g. a first DM).
  const autoSelected = useRef<string | null>(null);
  const firstConv = conversations[0]?.convId ?? null;
  useEffect(() => {
    if (convId !== null || firstConv === null || autoSelected.current === firstConv) return;
    autoSelected.current = firstConv;
    session.select(firstConv);
  }, [session, convId, firstConv]);

  const { timelineHeight, timelineWidth, listWidth } = regions;
  const body =
    overlay !== null ? (
      <OverlayView overlay={overlay} width={timelineWidth} height={timelineHeight} scroll={ui.overlayScroll} />
    ) : (
      <Timeline
        rows={rows}
        width={timelineWidth}
        height={timelineHeight}
        scroll={ui.scroll}
        cursor={ui.cursor}
        emptyHint={emptyTimelineHint(convId !== null, view.userId, sessionUsers)}
      />
    );
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} overflow="hidden">
      {regions.titleHeight > 0 && <PaneTitle view={view} focused={focused} paneNumber={paneNumber} width={width} />}
      {regions.barHeight > 0 && <ConversationBar conversations={conversations} selected={convId} width={width} />}
      {timelineHeight > 0 && (
        <Box flexDirection="row" width={width} height={timelineHeight} flexShrink={0}>
          {regions.list === 'column' && (
            <>
              <ConversationList conversations={conversations} selected={convId} width={listWidth} height={timelineHeight} />
              <Rows lines={Array<string>(timelineHeight).fill(theme.separator('│'))} width={1} height={timelineHeight} />
            </>
          )}
          {body}
        </Box>
      )}
      {regions.noticeHeight > 0 && <NoticeLine notice={view.notice} width={width} />}
      {regions.inputHeight > 0 && <InputLine prompt={`${view.userId}> `} editor={ui.editor} focused={focused} width={width} />}
      {regions.statusHeight > 0 && <StatusLine view={view} width={width} />}
    </Box>
  );
}
