import type { Pool } from 'pg';
import { ConvType, ErrorCode } from '../../../protocol/codes.js';
import type { ConversationSummary, FriendList, GroupMember, GroupPolicy, GroupRole } from '../../../protocol/frames.js';
import { parseConvId } from '../../../protocol/ids.js';
import { pushFrame } from '../../../protocol/messages.js';
import { ImError, err } from '../../errors.js';
import type { Presence } from '../../deliver/presence.js';
import type { Logger } from '../../logger.js';
import { redactUrl } from '../../redact-url.js';
import type {
  AppendResult,
  ConversationRecord,
  GroupRecord,
  HistoryPage,
  HistoryQuery,
  InboxPage,
  MemberSnapshot,
  MessageStore,
  NewGroup,
  NodeClaim,
  NodeLease,
  NewMessage,
  NewUser,
  PairRelation,
  ReadResult,
  TokenStatus,
  UserRecord,
} from '../message-store.js';
import { toStoredMessage, type MessageRow as Row } from '../message-row.js';
import { MessageQueries, isGroupBacked } from './message-queries.js';
import * as leases from './node-leases.js';
import { openPool } from './open-pool.js';
import { PostgresPresence } from './presence.js';
import { TickBatcher } from './tick-batcher.js';
import { guardConnectionLoss } from './unavailable.js';
import type { PgPoolOptions } from './open-pool.js';
import { MESSAGE_COLUMNS, num } from './rows.js';
import { withTx } from './tx.js';

/**
 * What the one-to-one filter needs of each ($1[i] → $2[i]) pair, with the pair's index `i`
 * (1-based); no row when $2[i] is no user. One primary-key probe per table and pair (LATERAL …
 * LIMIT 1): written as EXISTS or as a join, the planner hashed the whole of blocks and
 * friend_requests on every lookup, and a prepared statement kept that plan as the tables grew.
 */
export const PAIR_RELATIONS = `
  SELECT v.i, u.allow_strangers AS "allowStrangers",
         b1.x IS NOT NULL OR b2.x IS NOT NULL AS blocked,
         f1.x IS NOT NULL AND f2.x IS NOT NULL AS friends
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(f, t, i)
    JOIN LATERAL (SELECT allow_strangers FROM users WHERE user_id = v.t LIMIT 1) u ON true
    LEFT JOIN LATERAL (SELECT 1 AS x FROM blocks WHERE user_id = v.f AND blocked_id = v.t LIMIT 1) b1 ON true
    LEFT JOIN LATERAL (SELECT 1 AS x FROM blocks WHERE user_id = v.t AND blocked_id = v.f LIMIT 1) b2 ON true
    LEFT JOIN LATERAL (SELECT 1 AS x FROM friend_requests WHERE user_id = v.f AND friend_id = v.t LIMIT 1) f1 ON true
    LEFT JOIN LATERAL (SELECT 1 AS x FROM friend_requests WHERE user_id = v.t AND friend_id = v.f LIMIT 1) f2 ON true`;

/** pg returns BIGINT columns as decimal text. */
type MessageRow = Row<string>;

export { StoreOpenError } from '../sqlite/store-open-error.js';

export interface PostgresStoreOptions extends PgPoolOptions {
  /** Clock for created_at / joined_at columns; message times come with the messages. */
  now?: () => number;
}

interface GroupRow {
  groupId: string;
  convId: string;
  type: ConvType;
  name: string;
  owner: string;
  policy: GroupPolicy | null;
  memberVersion: number;
}

interface MemberRow {
  userId: string;
  role: GroupRole;
  muted: boolean;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** One of the user's conversations with its last message, when it has one. */
type ListRow = Nullable<MessageRow> & {
  listConvId: string;
  listConvType: ConvType;
  maxSeq: string;
  readSeq: string;
  groupId: string | null;
  groupName: string | null;
};

const toMember = (row: MemberRow): GroupMember => ({ userId: row.userId, role: row.role, muted: row.muted });
const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

/** Members by groupId in one statement: the filter reads a member on every group SEND. */
const OF_GROUP = 'conv_id = (SELECT conv_id FROM groups WHERE group_id = $1)';

/**
 * The MessageStore port over a PostgreSQL database that several `im serve` nodes share (pg Pool).
 *
 * Unlike the SQLite adapter, nothing is cached between calls: every node may write, so a counter
 * or a member list held in memory would go stale. seq and pts are rows (`conversations.max_seq`,
 * `user_pts.pts`) locked and advanced inside the append transaction (message-queries.ts). Every
 * statement is parameterised; the only SQL text is constant text in this folder.
 */
export class PostgresStore implements MessageStore {
  private pool: Pool | undefined;
  private readonly messages: MessageQueries;

  private constructor(
    private readonly where: string,
    pool: Pool,
    private readonly now: () => number,
  ) {
    // Reads and writes alike answer 5001 rather than 5000 while the database is away.
    this.pool = guardConnectionLoss(pool);
    this.messages = new MessageQueries(this.pool, now);
  }

  /**
   * Connects to the existing database at `url` (postgres://…), creating or migrating the schema.
   * @throws StoreOpenError naming the URL (without password) and the fix (see open-pool.ts)
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = await openPool(url, options);
    return new PostgresStore(redactUrl(url), pool, options.now ?? Date.now);
  }

  /**
   * Autovacuum off: tables are then never analyzed, and PostgreSQL keeps the plans it made for
   * prepared statements while the tables were empty. The statements of every SEND are written to
   * need no statistics; others (reads, group membership) may slow down as tables grow.
   */
  async settingsWarnings(): Promise<string[]> {
    const { rows } = await this.live().query<{ autovacuum: string }>("SELECT current_setting('autovacuum') AS autovacuum");
    if (rows[0]?.autovacuum === 'on') return [];
    return [
      `PostgreSQL autovacuum is off on ${this.where}, so its tables are never analyzed and some queries slow down as they grow: ` +
        'turn it on (ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf()) or run ANALYZE now and then',
    ];
  }

  // ---- lifecycle ---------------------------------------------------------------------------
  async ping(): Promise<void> {
    await this.live().query('SELECT 1');
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  /** Race-free across nodes: the first INSERT wins, and everyone reads the winner's value. */
  async getOrInitMeta(key: string, init: () => string): Promise<string> {
    const pool = this.live();
    const select = async () => (await pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
    const stored = await select();
    if (stored !== undefined) return stored;
    await pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, init()]);
    const value = await select();
    if (value === undefined) throw new Error(`meta ${key} was neither stored nor found`);
    return value;
  }

  // ---- node-id lease (node-leases.ts; the database clock) ---------------------------------
  /** @throws NodeClaimError naming --node-id or --bus */
  async claimNode(claim: NodeClaim): Promise<NodeLease> {
    return leases.claimNode(this.live(), this.where, claim);
  }

  async renewNode(nodeId: number, instance: string, ttlMs: number): Promise<boolean> {
    return leases.renewNode(this.live(), nodeId, instance, ttlMs);
  }

  async releaseNode(nodeId: number, instance: string): Promise<void> {
    await leases.releaseNode(this.live(), nodeId, instance);
  }

  presence(node: { nodeId: number; instance: string }, logger: Logger): Presence {
    return new PostgresPresence(this.live(), node, logger);
  }

  // ---- users -------------------------------------------------------------------------------
  /** @throws ImError USER_EXISTS */
  async createUsers(users: readonly NewUser[]): Promise<void> {
    if (users.length === 0) return;
    await withTx(this.live(), async (client) => {
      const { rows } = await client.query<{ userId: string }>(
        `INSERT INTO users (user_id, password_hash, nickname, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS v(u, p, n), (SELECT $4::bigint) AS t(c)
         ON CONFLICT (user_id) DO NOTHING RETURNING user_id AS "userId"`,
        [users.map((u) => u.userId), users.map((u) => u.passwordHash), users.map((u) => u.nickname), this.now()],
      );
      if (rows.length === users.length) return;
      // The first that was not made: taken before, or a repeat of one made just now.
      const made = new Set(rows.map((r) => r.userId));
      const counted = new Set<string>();
      let taken = users[0]!.userId;
      for (const { userId } of users) {
        if (!made.has(userId) || counted.has(userId)) {
          taken = userId;
          break;
        }
        counted.add(userId);
      }
      throw new ImError(ErrorCode.USER_EXISTS, `user ${taken} already exists`);
    });
  }

  async getUser(userId: string): Promise<UserRecord | undefined> {
    const { rows } = await this.live().query<UserRecord>(
      `SELECT user_id AS "userId", nickname, password_hash AS "passwordHash", allow_strangers AS "allowStrangers",
              token_generation AS "tokenGeneration"
         FROM users WHERE user_id = $1`,
      [userId],
    );
    return rows[0];
  }

  /** @throws ImError USER_NOT_FOUND */
  async setPassword(userId: string, passwordHash: string): Promise<number> {
    const { rows } = await this.live().query<{ tokenGeneration: number }>(
      `UPDATE users SET password_hash = $1, token_generation = token_generation + 1
         WHERE user_id = $2 RETURNING token_generation AS "tokenGeneration"`,
      [passwordHash, userId],
    );
    const row = rows[0];
    if (!row) throw err.userNotFound(userId);
    return row.tokenGeneration;
  }

  /** Records the revocation and forgets revocations of tokens that have expired since. */
  async revokeToken(userId: string, tokenHash: string, expiresAt: number): Promise<void> {
    await withTx(this.live(), async (client) => {
      await client.query('DELETE FROM revoked_tokens WHERE expires_at <= $1', [this.now()]);
      await client.query(
        'INSERT INTO revoked_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (token_hash) DO NOTHING',
        [tokenHash, userId, expiresAt],
      );
    });
  }

  async tokenStatus(userId: string, tokenHash: string): Promise<TokenStatus | undefined> {
    const { rows } = await this.live().query<TokenStatus>(
      `SELECT u.token_generation AS generation,
              EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.token_hash = $1) AS revoked
         FROM users u WHERE u.user_id = $2`,
      [tokenHash, userId],
    );
    return rows[0];
  }

  async existingUsers(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const { rows } = await this.live().query<{ userId: string }>(
      'SELECT user_id AS "userId" FROM users WHERE user_id = ANY($1::text[])',
      [unique(userIds)],
    );
    return new Set(rows.map((r) => r.userId));
  }

  /** @throws ImError USER_NOT_FOUND */
  async setAllowStrangers(userId: string, allow: boolean): Promise<void> {
    const { rowCount } = await this.live().query('UPDATE users SET allow_strangers = $1 WHERE user_id = $2', [allow, userId]);
    if (rowCount === 0) throw err.userNotFound(userId);
  }

  // ---- friends and blocks ------------------------------------------------------------------
  async addFriend(userId: string, friendId: string): Promise<'pending' | 'friends'> {
    await this.live().query(
      'INSERT INTO friend_requests (user_id, friend_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [userId, friendId, this.now()],
    );
    return (await this.areFriends(userId, friendId)) ? 'friends' : 'pending';
  }

  async removeFriend(userId: string, friendId: string): Promise<void> {
    await this.live().query(
      `DELETE FROM friend_requests
        WHERE (user_id = $1 AND friend_id = $2) OR (user_id = $2 AND friend_id = $1)`,
      [userId, friendId],
    );
  }

  async listFriends(userId: string): Promise<FriendList> {
    const pool = this.live();
    const ids = async (sql: string) => (await pool.query<{ id: string }>(sql, [userId])).rows.map((r) => r.id);
    // A pending request is one without the request back; `mine` is the caller's side of it.
    const pending = (mine: 'user_id' | 'friend_id', theirs: 'user_id' | 'friend_id') =>
      `SELECT r.${theirs} AS id FROM friend_requests r
        WHERE r.${mine} = $1
          AND NOT EXISTS (SELECT 1 FROM friend_requests back WHERE back.user_id = r.friend_id AND back.friend_id = r.user_id)
        ORDER BY r.${theirs}`;
    const [friends, pendingIn, pendingOut] = await Promise.all([
      ids(
        `SELECT o.friend_id AS id FROM friend_requests o
           JOIN friend_requests i ON i.user_id = o.friend_id AND i.friend_id = o.user_id
          WHERE o.user_id = $1 ORDER BY o.friend_id`,
      ),
      ids(pending('friend_id', 'user_id')),
      ids(pending('user_id', 'friend_id')),
    ]);
    return { friends, pendingIn, pendingOut };
  }

  async areFriends(a: string, b: string): Promise<boolean> {
    if (a === b) return false;
    const { rows } = await this.live().query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM friend_requests
        WHERE (user_id = $1 AND friend_id = $2) OR (user_id = $2 AND friend_id = $1)`,
      [a, b],
    );
    return rows[0]?.n === 2;
  }

  async block(userId: string, blockedId: string): Promise<void> {
    await this.live().query(
      'INSERT INTO blocks (user_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [userId, blockedId, this.now()],
    );
  }

  async unblock(userId: string, blockedId: string): Promise<void> {
    await this.live().query('DELETE FROM blocks WHERE user_id = $1 AND blocked_id = $2', [userId, blockedId]);
  }

  /**
   * Looked up together with the other lookups of the same turn of the event loop, in one
   * statement (TickBatcher). Never cached: a block is seen at once.
   */
  relation(from: string, to: string): Promise<PairRelation | undefined> {
    return this.relations.load({ from, to });
  }

  private readonly relations = new TickBatcher<{ from: string; to: string }, PairRelation | undefined>(async (pairs) => {
    const { rows } = await this.live().query<PairRelation & { i: string }>(PAIR_RELATIONS, [pairs.map((p) => p.from), pairs.map((p) => p.to)]);
    const found: (PairRelation | undefined)[] = pairs.map(() => undefined);
    for (const row of rows) {
      const { from, to } = pairs[Number(row.i) - 1]!;
      found[Number(row.i) - 1] = { allowStrangers: row.allowStrangers, blocked: row.blocked, friends: from !== to && row.friends };
    }
    return found;
  });

  async blockersOf(userId: string, among: readonly string[]): Promise<string[]> {
    if (among.length === 0) return [];
    const { rows } = await this.live().query<{ id: string }>(
      'SELECT user_id AS id FROM blocks WHERE blocked_id = $1 AND user_id = ANY($2::text[]) ORDER BY user_id',
      [userId, unique(among)],
    );
    return rows.map((r) => r.id);
  }

  async isBlockedEitherWay(a: string, b: string): Promise<boolean> {
    const { rows } = await this.live().query<{ blocked: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM blocks
                       WHERE (user_id = $1 AND blocked_id = $2) OR (user_id = $2 AND blocked_id = $1)) AS blocked`,
      [a, b],
    );
    return rows[0]?.blocked === true;
  }

  // ---- groups ------------------------------------------------------------------------------
  /** @throws ImError GROUP_EXISTS */
  async createGroup(group: NewGroup): Promise<void> {
    await withTx(this.live(), async (client) => {
      const now = this.now();
      await client.query(
        'INSERT INTO conversations (conv_id, conv_type, created_at) VALUES ($1, $2, $3) ON CONFLICT (conv_id) DO NOTHING',
        [group.convId, group.type, now],
      );
      const { rowCount } = await client.query(
        `INSERT INTO groups (group_id, conv_id, type, name, owner, policy, created_at, member_version) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
           ON CONFLICT DO NOTHING`,
        [group.groupId, group.convId, group.type, group.name, group.owner, group.policy ?? null, now],
      );
      if (rowCount === 0) throw new ImError(ErrorCode.GROUP_EXISTS, `group ${group.groupId} already exists`);
      const others = unique(group.members).filter((u) => u !== group.owner);
      await client.query(
        `INSERT INTO members (conv_id, user_id, role, read_seq, joined_at)
         SELECT $1, u, CASE WHEN u = $2 THEN 'owner' ELSE 'member' END, 0, $4
           FROM unnest($3::text[]) AS u
         ON CONFLICT DO NOTHING`,
        [group.convId, group.owner, [group.owner, ...others], now],
      );
    });
  }

  async getGroup(groupId: string): Promise<GroupRecord | undefined> {
    const { rows } = await this.live().query<GroupRow>(
      'SELECT group_id AS "groupId", conv_id AS "convId", type, name, owner, policy, member_version AS "memberVersion" FROM groups WHERE group_id = $1',
      [groupId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { policy, ...info } = row;
    return policy === null ? info : { ...info, policy };
  }

  async countMembers(groupId: string): Promise<number> {
    const { rows } = await this.live().query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM members WHERE ${OF_GROUP}`, [groupId]);
    return rows[0]?.n ?? 0;
  }

  async getMember(groupId: string, userId: string): Promise<GroupMember | undefined> {
    const { rows } = await this.live().query<MemberRow>(
      `SELECT user_id AS "userId", role, muted FROM members WHERE ${OF_GROUP} AND user_id = $2`,
      [groupId, userId],
    );
    return rows[0] && toMember(rows[0]);
  }

  /** Owner first, then admins, then members, each in joining order. */
  async listMembers(groupId: string): Promise<GroupMember[]> {
    const { rows } = await this.live().query<MemberRow>(
      `SELECT user_id AS "userId", role, muted FROM members WHERE ${OF_GROUP}
        ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id`,
      [groupId],
    );
    return rows.map(toMember);
  }

  /** Not cached: another node may change the membership at any time (its group-changed event is for caches above the store). */
  async memberIds(groupId: string): Promise<readonly string[]> {
    const { rows } = await this.live().query<{ userId: string }>(`SELECT user_id AS "userId" FROM members WHERE ${OF_GROUP}`, [groupId]);
    return rows.map((r) => r.userId);
  }

  /**
   * One statement, so one snapshot (READ COMMITTED takes one per statement): the version and the
   * ids always come from the same commit, whatever other nodes change meanwhile.
   */
  async memberSnapshot(groupId: string): Promise<MemberSnapshot> {
    const { rows } = await this.live().query<{ version: number; ids: string[] }>(
      `SELECT g.member_version AS version, ARRAY(SELECT m.user_id FROM members m WHERE m.conv_id = g.conv_id) AS ids
         FROM groups g WHERE g.group_id = $1`,
      [groupId],
    );
    const row = rows[0];
    return row ? { version: row.version, ids: row.ids } : { version: 0, ids: [] };
  }

  /**
   * §4: a newcomer's readSeq starts at the current maxSeq. The conversation row is locked (shared)
   * for that, so an append from any node commits either wholly before or wholly after the join.
   * @throws ImError CONVERSATION_NOT_FOUND for an unknown group
   */
  async addMembers(groupId: string, userIds: readonly string[]): Promise<string[]> {
    return withTx(this.live(), async (client) => {
      const { rows } = await client.query<{ convId: string; maxSeq: string }>(
        `SELECT c.conv_id AS "convId", c.max_seq AS "maxSeq" FROM groups g JOIN conversations c ON c.conv_id = g.conv_id
          WHERE g.group_id = $1 FOR SHARE OF c`,
        [groupId],
      );
      const conv = rows[0];
      if (!conv) throw err.groupNotFound(groupId);
      const wanted = unique(userIds);
      if (wanted.length === 0) return [];
      const added = await client.query<{ userId: string }>(
        `INSERT INTO members (conv_id, user_id, role, read_seq, joined_at)
         SELECT $1, u, 'member', $2, $4 FROM unnest($3::text[]) AS u ORDER BY u COLLATE "C"
         ON CONFLICT DO NOTHING RETURNING user_id AS "userId"`,
        [conv.convId, conv.maxSeq, wanted, this.now()],
      );
      const ids = new Set(added.rows.map((r) => r.userId));
      // Last, so the groups row is locked after the member rows here as in removeMembers: the
      // two never wait on each other in opposite orders.
      if (ids.size > 0) await client.query('UPDATE groups SET member_version = member_version + 1 WHERE group_id = $1', [groupId]);
      return wanted.filter((u) => ids.has(u));
    });
  }

  /** @throws ImError CONVERSATION_NOT_FOUND for an unknown group */
  async removeMembers(groupId: string, userIds: readonly string[]): Promise<string[]> {
    const convId = await this.convIdOf(groupId);
    const wanted = unique(userIds);
    if (wanted.length === 0) return [];
    return withTx(this.live(), async (client) => {
      const { rows } = await client.query<{ userId: string }>(
        'DELETE FROM members WHERE conv_id = $1 AND user_id = ANY($2::text[]) RETURNING user_id AS "userId"',
        [convId, wanted],
      );
      const ids = new Set(rows.map((r) => r.userId));
      if (ids.size > 0) await client.query('UPDATE groups SET member_version = member_version + 1 WHERE group_id = $1', [groupId]);
      return wanted.filter((u) => ids.has(u));
    });
  }

  /** @throws ImError CONVERSATION_NOT_FOUND, NOT_MEMBER, or FORBIDDEN for the owner (whose role is fixed) */
  async setRole(groupId: string, userId: string, role: Exclude<GroupRole, 'owner'>): Promise<void> {
    const convId = await this.convIdOf(groupId);
    // One statement: the owner's row is never touched, whatever happens concurrently.
    const { rows } = await this.live().query<{ role: GroupRole | null; updated: boolean }>(
      `WITH target AS (SELECT role FROM members WHERE conv_id = $1 AND user_id = $2),
            changed AS (UPDATE members SET role = $3 WHERE conv_id = $1 AND user_id = $2 AND role <> 'owner' RETURNING 1)
       SELECT (SELECT role FROM target) AS role, EXISTS (SELECT 1 FROM changed) AS updated`,
      [convId, userId, role],
    );
    const row = rows[0];
    if (!row || row.role === null) throw err.notMember(convId);
    if (row.role === 'owner') throw err.forbidden(`${userId} owns ${groupId}; the owner's role cannot change`);
  }

  /** @throws ImError CONVERSATION_NOT_FOUND, NOT_MEMBER */
  async setMuted(groupId: string, userId: string, muted: boolean): Promise<void> {
    const convId = await this.convIdOf(groupId);
    const { rowCount } = await this.live().query('UPDATE members SET muted = $1 WHERE conv_id = $2 AND user_id = $3', [muted, convId, userId]);
    if (rowCount === 0) throw err.notMember(convId);
  }

  // ---- messages ----------------------------------------------------------------------------
  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    this.live();
    return this.messages.append(batch);
  }

  async findByClientMsgId(from: string, clientMsgId: string): Promise<AppendResult | undefined> {
    this.live();
    return this.messages.findByClientMsgId(from, clientMsgId);
  }

  async readInbox(userId: string, sincePts: number, limit: number): Promise<InboxPage> {
    this.live();
    return this.messages.readInbox(userId, sincePts, limit);
  }

  async readHistory(convId: string, query: HistoryQuery): Promise<HistoryPage> {
    this.live();
    return this.messages.readHistory(convId, query);
  }

  async getConversation(convId: string): Promise<ConversationRecord | undefined> {
    const { rows } = await this.live().query<{ convType: ConvType; maxSeq: string }>(
      'SELECT conv_type AS "convType", max_seq AS "maxSeq" FROM conversations WHERE conv_id = $1',
      [convId],
    );
    const row = rows[0];
    return row && { convId, convType: row.convType, maxSeq: num(row.maxSeq) };
  }

  /**
   * readSeq becomes max(old, min(seq, maxSeq)), in one transaction that locks the reader's row.
   * A conversation that does not exist yet has nothing to read: all zeros, nothing stored.
   * @throws ImError NOT_MEMBER when the conversation is a group the user is not in: a row made
   * here would re-admit a member removed since the pipeline checked.
   */
  async markRead(userId: string, convId: string, seq: number): Promise<ReadResult> {
    return withTx(this.live(), async (client) => {
      const conv = (
        await client.query<{ convType: ConvType; maxSeq: string }>(
          'SELECT conv_type AS "convType", max_seq AS "maxSeq" FROM conversations WHERE conv_id = $1',
          [convId],
        )
      ).rows[0];
      if (!conv) return { readSeq: 0, unread: 0, advanced: false };
      const maxSeq = num(conv.maxSeq);
      const selectOld = async () =>
        (
          await client.query<{ readSeq: string }>(
            'SELECT read_seq AS "readSeq" FROM members WHERE conv_id = $1 AND user_id = $2 FOR UPDATE',
            [convId, userId],
          )
        ).rows[0];
      let row = await selectOld();
      if (!row) {
        if (isGroupBacked(conv.convType)) throw err.notMember(convId);
        await client.query(
          'INSERT INTO members (conv_id, user_id, read_seq, joined_at) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING',
          [convId, userId, this.now()],
        );
        row = await selectOld();
      }
      const old = num(row?.readSeq);
      const wanted = Number.isFinite(seq) ? Math.min(Math.trunc(seq), maxSeq) : 0;
      const readSeq = Math.max(old, wanted);
      const advanced = readSeq > old;
      if (readSeq > old) {
        await client.query('UPDATE members SET read_seq = $1 WHERE conv_id = $2 AND user_id = $3', [readSeq, convId, userId]);
      }
      return { readSeq, unread: Math.max(0, maxSeq - readSeq), advanced };
    });
  }

  /** The user's conversations, most recent activity first (the last message, or the creation). */
  async listConversations(userId: string): Promise<ConversationSummary[]> {
    const pool = this.live();
    const { rows } = await pool.query<ListRow>(
      `SELECT mb.conv_id AS "listConvId", c.conv_type AS "listConvType", c.max_seq AS "maxSeq", mb.read_seq AS "readSeq",
              g.group_id AS "groupId", g.name AS "groupName", ${MESSAGE_COLUMNS}
         FROM members mb
         JOIN conversations c ON c.conv_id = mb.conv_id
         LEFT JOIN groups g ON g.conv_id = mb.conv_id
         LEFT JOIN messages m ON m.conv_id = mb.conv_id AND m.seq = c.max_seq
        WHERE mb.user_id = $1 AND (g.group_id IS NOT NULL OR m.msg_id IS NOT NULL)
        ORDER BY COALESCE(m.send_time, c.created_at) DESC, mb.conv_id`,
      [userId],
    );
    const peers = new Map<string, string>();
    for (const row of rows) {
      if (row.groupId === null && row.listConvType !== ConvType.SYSTEM_CONVERSATION) peers.set(row.listConvId, peerOf(userId, row.listConvId));
    }
    const nicknames = new Map<string, string>();
    if (peers.size > 0) {
      const names = await pool.query<{ userId: string; nickname: string }>(
        'SELECT user_id AS "userId", nickname FROM users WHERE user_id = ANY($1::text[])',
        [unique([...peers.values()])],
      );
      for (const n of names.rows) nicknames.set(n.userId, n.nickname);
    }
    return rows.map((row) => {
      const maxSeq = num(row.maxSeq);
      const readSeq = num(row.readSeq);
      return {
        convId: row.listConvId,
        convType: row.listConvType,
        ...targetOf(userId, row, peers, nicknames),
        maxSeq,
        readSeq,
        unread: Math.max(0, maxSeq - readSeq),
        // A PUSH without pts (a list is not per device), and without control.clientMsgId.
        lastMessage: row.msgId === null ? null : pushFrame({ ...toStoredMessage(row as MessageRow), clientMsgId: undefined }),
      };
    });
  }

  private async convIdOf(groupId: string): Promise<string> {
    const { rows } = await this.live().query<{ convId: string }>('SELECT conv_id AS "convId" FROM groups WHERE group_id = $1', [groupId]);
    const convId = rows[0]?.convId;
    if (convId === undefined) throw err.groupNotFound(groupId);
    return convId;
  }

  /** @throws ImError UNAVAILABLE once closed: nothing was stored, and the server is going away. */
  private live(): Pool {
    if (!this.pool) throw new ImError(ErrorCode.UNAVAILABLE, `the store ${this.where} is closed`);
    return this.pool;
  }
}

const peerOf = (userId: string, convId: string): string => parseConvId(convId)?.parts.find((p) => p !== userId) ?? userId;

/** Who the conversation is with, as the list shows it. */
function targetOf(
  userId: string,
  row: ListRow,
  peers: ReadonlyMap<string, string>,
  nicknames: ReadonlyMap<string, string>,
): { target: string; name: string } {
  if (row.groupId !== null) return { target: row.groupId, name: row.groupName ?? row.groupId };
  if (row.listConvType === ConvType.SYSTEM_CONVERSATION) return { target: parseConvId(row.listConvId)?.parts[0] ?? userId, name: 'system' };
  const peer = peers.get(row.listConvId) ?? userId;
  return { target: peer, name: nicknames.get(peer) ?? peer };
}
