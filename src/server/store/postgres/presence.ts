import type { Pool } from 'pg';
import type { Logger } from '../../logger.js';
import type { Presence, PresenceEntry } from '../../deliver/presence.js';

/** The database's clock, as the node leases judge it (node-leases.ts). */
const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * Presence of a cluster in PostgreSQL (the `presence` table, migration 3): one row per open
 * connection, written by the node that holds it. A row counts only while its node still holds
 * the lease it was written under (same node id, same instance, not expired), so rows of a node
 * that died are ignored at once and removed when the id is claimed again.
 */
export class PostgresPresence implements Presence {
  constructor(
    private readonly pool: Pool,
    private readonly node: { nodeId: number; instance: string },
    private readonly logger: Logger,
  ) {}

  async devices(userId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ device_id: string }>(
      `SELECT DISTINCT p.device_id FROM presence p
         JOIN nodes n ON n.node_id = p.node_id AND n.instance = p.instance AND n.expires_at > ${DB_NOW}
        WHERE p.user_id = $1`,
      [userId],
    );
    return rows.map((r) => r.device_id);
  }

  async opened(entry: PresenceEntry): Promise<void> {
    await this.pool
      .query('INSERT INTO presence (conn_id, node_id, instance, user_id, device_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (instance, conn_id) DO NOTHING', [
        entry.connId,
        this.node.nodeId,
        this.node.instance,
        entry.userId,
        entry.deviceId,
      ])
      .catch((e: unknown) => this.warn('record', entry, e));
  }

  closed(entry: PresenceEntry): void {
    this.pool.query('DELETE FROM presence WHERE conn_id = $1 AND instance = $2', [entry.connId, this.node.instance]).catch((e: unknown) => this.warn('remove', entry, e));
  }

  private warn(what: string, entry: PresenceEntry, e: unknown): void {
    this.logger.warn(`could not ${what} a connection in presence; the device cap may be off for this user until it reconnects`, {
      user: entry.userId,
      device: entry.deviceId,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}
