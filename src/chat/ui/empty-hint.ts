/**
 * What an empty timeline says. With no conversation it suggests a first `/dm` to the other users
 * signed in beside this pane (alice's pane says `/dm bob`, bob's `/dm alice`): a hint to `/dm`
 * yourself would only earn "that is you". Alone (or one user on several devices) it stays neutral.
 */
export function emptyTimelineHint(hasConversation: boolean, userId: string, sessionUsers: readonly string[]): string {
  if (hasConversation) return 'no messages yet';
  const others = [...new Set(sessionUsers)].filter((u) => u !== userId);
  if (others.length === 0) return 'no conversation — /dm USER to start one, /help';
  return `no conversation — ${others.map((u) => `/dm ${u}`).join(', ')}, /help`;
}
