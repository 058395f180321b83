/**
 * Thrown by `MessageStore.claimNode()` when this node must not start: its node id is held by
 * another live node, no id is free, or its bus cannot reach the other nodes on the database.
 * The message is one line that names the setting to change (`--node-id` or `--bus`); the CLI
 * prints it as a user-fixable error (exit 1).
 */
export class NodeClaimError extends Error {
  override name = 'NodeClaimError';
  constructor(
    message: string,
    /** The setting the message tells the user to change. */
    readonly setting: '--node-id' | '--bus',
  ) {
    super(message);
  }
}
