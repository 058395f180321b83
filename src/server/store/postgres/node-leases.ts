import type { Pool, PoolClient } from 'pg';
import type { NodeClaim, NodeLease } from '../message-store.js';
import { NodeClaimError } from '../node-claim-error.js';
import { MAX_NODE_ID } from '../../snowflake.js';
import { withTx } from './tx.js';

/**
 * A constant key for pg_advisory_xact_lock: every claim and renewal of a node-id lease runs under
 * it, so two nodes starting at once cannot both take one id, and a renewal never races a claim.
 */
const NODES_LOCK_KEY = 7_104_991_263_551_000_002n;

/**
 * The database's clock in ms since the epoch. Leases are written and judged by this one clock
 * only, so nodes whose clocks disagree still agree on which leases have expired.
 */
const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

interface LiveRow {
  nodeId: number;
  instance: string;
  bus: 'memory' | 'redis';
}

async function locked(client: PoolClient): Promise<{ now: number; live: LiveRow[] }> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [NODES_LOCK_KEY.toString()]);
  const { rows } = await client.query<{ now: string }>(`SELECT ${DB_NOW} AS now`);
  const now = Number(rows[0]!.now);
  const live = await client.query<LiveRow>(
    'SELECT node_id AS "nodeId", instance, bus FROM nodes WHERE expires_at > $1 ORDER BY node_id',
    [now],
  );
  return { now, live: live.rows };
}

const CLUSTER_BUS = '--bus redis://HOST:PORT';

/** The node-id leases of the PostgreSQL store (the `nodes` table, migration 2). */
export async function claimNode(pool: Pool, where: string, claim: NodeClaim): Promise<NodeLease> {
  return withTx(pool, async (client) => {
    const { now, live } = await locked(client);
    const others = live.filter((r) => r.instance !== claim.instance);
    if (claim.bus === 'memory' && others.length > 0) {
      throw new NodeClaimError(
        `another live node (node id ${others[0]!.nodeId}) uses ${where}, and this one has no --bus: on the in-process bus ` +
          `it would never deliver to or from the other nodes; every node of a cluster needs ${CLUSTER_BUS}`,
        '--bus',
      );
    }
    const alone = others.find((r) => r.bus === 'memory');
    if (alone) {
      throw new NodeClaimError(
        `node id ${alone.nodeId} uses ${where} with the in-process bus (it was started without --bus), so it would never ` +
          `deliver to or from this node; restart it with ${CLUSTER_BUS}, as every node of a cluster needs`,
        '--bus',
      );
    }
    const taken = new Set(others.map((r) => r.nodeId));
    let nodeId = claim.nodeId;
    if (nodeId === undefined) {
      nodeId = 0;
      while (nodeId <= MAX_NODE_ID && taken.has(nodeId)) nodeId++;
      if (nodeId > MAX_NODE_ID) {
        throw new NodeClaimError(`all ${MAX_NODE_ID + 1} node ids of ${where} are held by live nodes; stop one, or wait for the lease of a dead one to expire`, '--node-id');
      }
    } else if (taken.has(nodeId)) {
      throw new NodeClaimError(
        `node id ${nodeId} is held by another live node on ${where} (its lease expires within ${Math.ceil(claim.ttlMs / 1000)} s if it died); ` +
          'pick another --node-id or leave it unset for a free one',
        '--node-id',
      );
    }
    await client.query(
      `INSERT INTO nodes (node_id, instance, bus, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (node_id) DO UPDATE SET instance = excluded.instance, bus = excluded.bus, expires_at = excluded.expires_at`,
      [nodeId, claim.instance, claim.bus, now + claim.ttlMs],
    );
    // Connections of this id's previous holder: they stopped counting when its lease ended.
    await client.query('DELETE FROM presence WHERE node_id = $1 AND instance <> $2', [nodeId, claim.instance]);
    return { nodeId };
  });
}

/**
 * Extends the lease while `instance` holds it, or takes it back when it expired and nobody took
 * it since; false when another instance holds it now.
 */
export async function renewNode(pool: Pool, nodeId: number, instance: string, ttlMs: number): Promise<boolean> {
  return withTx(pool, async (client) => {
    const { now } = await locked(client);
    const { rowCount } = await client.query(
      'UPDATE nodes SET instance = $2, expires_at = $3 WHERE node_id = $1 AND (instance = $2 OR expires_at <= $4)',
      [nodeId, instance, now + ttlMs, now],
    );
    return rowCount === 1;
  });
}

export async function releaseNode(pool: Pool, nodeId: number, instance: string): Promise<void> {
  await pool.query('DELETE FROM nodes WHERE node_id = $1 AND instance = $2', [nodeId, instance]);
}
