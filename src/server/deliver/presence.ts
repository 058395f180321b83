import type { SessionRegistry } from './session-registry.js';

/** One live connection, as presence records it. */
export interface PresenceEntry {
  connId: string;
  userId: string;
  deviceId: string;
}

/**
 * Which devices of a user are connected, anywhere in the cluster: what the per-user device cap
 * (`--max-devices`) counts. A single node knows from its own connections; the nodes of a
 * cluster share it through the store (the PostgreSQL adapter), where an entry counts only while
 * the node that wrote it holds its node-id lease, so a node killed with -9 leaves nothing that
 * counts.
 */
export interface Presence {
  /** The ids of the user's connected devices (a device connected twice, during a KICK, once). */
  devices(userId: string): Promise<string[]>;
  /**
   * Resolves once the entry counts (before the connection goes live, so the next device's check
   * sees it); never rejects: a write that fails is logged, and the entry ages out with the lease.
   */
  opened(entry: PresenceEntry): Promise<void>;
  /** Never waits nor throws. */
  closed(entry: PresenceEntry): void;
}

/** A node alone: its own connections are all there are. */
export class LocalPresence implements Presence {
  constructor(private readonly sessions: SessionRegistry) {}

  async devices(userId: string): Promise<string[]> {
    return [...new Set([...this.sessions.devices(userId)].map((d) => d.deviceId))];
  }

  async opened(): Promise<void> {}

  closed(): void {}
}
