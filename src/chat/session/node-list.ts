import { isImClientError, isImRequestError } from '../../client/index.js';
import { ErrorCode } from '../../protocol/codes.js';
import { nodeLabel } from '../model/node-label.js';

/*
 * `im chat --server URL1,URL2 alice bob`: the nodes of one cluster, in the order given. Any node
 * accepts any client and a token from one works on all (docs/cluster.md), so a pane may sit on
 * any of them: panes are spread round-robin, and a pane whose node stops answering moves on.
 */

/** The node of pane `index` (0-based): pane 1 → URL1, pane 2 → URL2, pane 3 → URL1… */
export function homeNode(nodes: readonly string[], index: number): string {
  const node = nodes[index % nodes.length];
  if (node === undefined) throw new RangeError('homeNode needs at least one node');
  return node;
}

/** Where to try, in order: `from`, then the nodes after it in the list, wrapping round. */
export function failoverOrder(nodes: readonly string[], from: string): string[] {
  const at = nodes.indexOf(from);
  if (at < 0) return [from, ...nodes];
  return [...nodes.slice(at), ...nodes.slice(0, at)];
}

/**
 * The node cannot serve this client now, so another one may: it did not answer at all
 * (refused, reset, timed out, not a WebSocket endpoint) or answered UNAVAILABLE (shutting down,
 * its store away). Any other refusal (a bad token) would be the same on every node.
 */
export function isUnreachable(e: unknown): boolean {
  if (isImRequestError(e)) return e.code === ErrorCode.UNAVAILABLE;
  return isImClientError(e) && (e.reason === 'network' || e.reason === 'handshake');
}

/**
 * Runs `attempt` on each node of `order` until one answers. A failure that is not
 * `isUnreachable` stops at once; when no node answers, the last node's failure is thrown.
 */
export async function firstReachable<T>(order: readonly string[], attempt: (node: string) => Promise<T>): Promise<T> {
  let last: unknown = new Error('no node to try');
  for (const node of order) {
    try {
      return await attempt(node);
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      last = e;
    }
  }
  throw last;
}

/** `node 1 (…) did not answer: now on node 2 (…)`, or '' when the session is still on `from`. */
export function movedText(nodes: readonly string[], from: string, to: string): string {
  if (from === to) return '';
  const name = (node: string) => nodeLabel(nodes, node)?.long ?? node;
  return `${name(from)} did not answer: now on ${name(to)}`;
}
