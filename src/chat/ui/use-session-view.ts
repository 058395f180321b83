import { useCallback, useSyncExternalStore } from 'react';
import type { ChatSessionHandle, SessionView } from '../session/session-types.js';

/** The session's current view; the component re-renders whenever the session replaces it. */
export function useSessionView(session: ChatSessionHandle): SessionView {
  // Wrapped so a class-based session keeps its `this`.
  const subscribe = useCallback((listener: () => void) => session.subscribe(listener), [session]);
  const getSnapshot = useCallback(() => session.view, [session]);
  return useSyncExternalStore(subscribe, getSnapshot);
}
