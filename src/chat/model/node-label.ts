/** How a pane names its node: `long` where there is room, else `short`. */
export interface NodeLabel {
  /** `node 2 (127.0.0.1:7702)`. */
  long: string;
  /** `node 2`. */
  short: string;
}

/**
 * `node N` is the Nth URL of `--server` (the client cannot see a server's --node-id), and the
 * host:port says which one without counting. Null with a single server: nothing to tell apart.
 */
export function nodeLabel(nodes: readonly string[], server: string): NodeLabel | null {
  if (nodes.length < 2) return null;
  const at = nodes.indexOf(server);
  const short = at < 0 ? 'node ?' : `node ${at + 1}`;
  return { long: `${short} (${hostOf(server)})`, short };
}

function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}
