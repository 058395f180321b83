import type { Database, Statement } from 'better-sqlite3';
import { ErrorCode } from '../../../protocol/codes.js';
import type { ConvType } from '../../../protocol/codes.js';
import type { GroupMember, GroupPolicy, GroupRole } from '../../../protocol/frames.js';
import { ImError, err } from '../../errors.js';
import type { GroupRecord, MemberSnapshot, NewGroup } from '../message-store.js';
import type { Counters } from './counters.js';

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
  muted: number;
}

const toMember = (row: MemberRow): GroupMember => ({ userId: row.userId, role: row.role, muted: row.muted !== 0 });

/** The five group-backed conversation types: the group, its conversation and its members. */
export class GroupStatements {
  private readonly insertConversation: Statement<[string, number, number]>;
  private readonly insertGroup: Statement<[string, string, number, string, string, string | null, number]>;
  private readonly insertMember: Statement<[string, string, GroupRole, number, number]>;
  private readonly selectGroup: Statement<[string], GroupRow>;
  private readonly selectConvId: Statement<[string], string>;
  private readonly selectConvVersion: Statement<[string], { convId: string; version: number }>;
  private readonly bumpVersion: Statement<[string]>;
  private readonly selectCount: Statement<[string], number>;
  private readonly selectMember: Statement<[string, string], MemberRow>;
  private readonly selectMembers: Statement<[string], MemberRow>;
  private readonly selectMemberIds: Statement<[string], string>;
  private readonly deleteMember: Statement<[string, string]>;
  private readonly updateRole: Statement<[GroupRole, string, string]>;
  private readonly updateMuted: Statement<[number, string, string]>;
  private readonly createTx: (group: NewGroup) => void;
  private readonly memberCache = new Map<string, MemberSnapshot>();
  private readonly addTx: (groupId: string, userIds: readonly string[]) => string[];
  private readonly removeTx: (groupId: string, userIds: readonly string[]) => string[];

  constructor(
    db: Database,
    private readonly counters: Counters,
    private readonly now: () => number,
  ) {
    this.insertConversation = db.prepare('INSERT INTO conversations (conv_id, conv_type, created_at) VALUES (?, ?, ?)');
    this.insertGroup = db.prepare(
      `INSERT INTO groups (group_id, conv_id, type, name, owner, policy, created_at, member_version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
    );
    this.insertMember = db.prepare(
      `INSERT INTO members (conv_id, user_id, role, read_seq, joined_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
    );
    this.selectGroup = db.prepare(
      'SELECT group_id AS groupId, conv_id AS convId, type, name, owner, policy, member_version AS memberVersion FROM groups WHERE group_id = ?',
    );
    this.selectConvId = db.prepare<[string], string>('SELECT conv_id FROM groups WHERE group_id = ?').pluck();
    this.selectConvVersion = db.prepare('SELECT conv_id AS convId, member_version AS version FROM groups WHERE group_id = ?');
    this.bumpVersion = db.prepare('UPDATE groups SET member_version = member_version + 1 WHERE group_id = ?');
    // Members by groupId in one statement: the filter reads a member on every group SEND.
    const ofGroup = 'conv_id = (SELECT conv_id FROM groups WHERE group_id = ?)';
    this.selectCount = db.prepare<[string], number>(`SELECT COUNT(*) FROM members WHERE ${ofGroup}`).pluck();
    this.selectMember = db.prepare(`SELECT user_id AS userId, role, muted FROM members WHERE ${ofGroup} AND user_id = ?`);
    // Owner first, then admins, then members, each in joining order.
    this.selectMembers = db.prepare(
      `SELECT user_id AS userId, role, muted FROM members WHERE ${ofGroup}
        ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id`,
    );
    this.selectMemberIds = db.prepare<[string], string>('SELECT user_id FROM members WHERE conv_id = ?').pluck();
    this.deleteMember = db.prepare('DELETE FROM members WHERE conv_id = ? AND user_id = ?');
    this.updateRole = db.prepare('UPDATE members SET role = ? WHERE conv_id = ? AND user_id = ?');
    this.updateMuted = db.prepare('UPDATE members SET muted = ? WHERE conv_id = ? AND user_id = ?');
    this.createTx = db.transaction((group: NewGroup) => this.insert(group));
    this.addTx = db.transaction((groupId: string, userIds: readonly string[]) => {
      const convId = this.convIdOf(groupId);
      // §4: a newcomer's readSeq starts at the current maxSeq, so old messages are not unread.
      const readSeq = this.counters.maxSeq(convId);
      const now = this.now();
      const added = unique(userIds).filter((u) => this.insertMember.run(convId, u, 'member', readSeq, now).changes > 0);
      if (added.length > 0) this.bumpVersion.run(groupId);
      return added;
    });
    this.removeTx = db.transaction((groupId: string, userIds: readonly string[]) => {
      const convId = this.convIdOf(groupId);
      const removed = unique(userIds).filter((u) => this.deleteMember.run(convId, u).changes > 0);
      if (removed.length > 0) this.bumpVersion.run(groupId);
      return removed;
    });
  }

  /** @throws ImError GROUP_EXISTS */
  create(group: NewGroup): void {
    this.createTx(group);
  }

  countMembers(groupId: string): number {
    return this.selectCount.get(groupId) ?? 0;
  }

  get(groupId: string): GroupRecord | undefined {
    const row = this.selectGroup.get(groupId);
    if (!row) return undefined;
    const { policy, ...info } = row;
    return policy === null ? info : { ...info, policy };
  }

  getMember(groupId: string, userId: string): GroupMember | undefined {
    const row = this.selectMember.get(groupId, userId);
    return row && toMember(row);
  }

  listMembers(groupId: string): GroupMember[] {
    return this.selectMembers.all(groupId).map(toMember);
  }

  memberIds(groupId: string): readonly string[] {
    return this.memberSnapshot(groupId).ids;
  }

  /**
   * Cached: every SEND to a write-diffusion group needs its member list, and reading 10,000 rows
   * per message would dominate a big group's cost. Sound because this process is the file's only
   * writer and every membership change below drops the entry. The two reads are one consistent
   * state for the same reason: they run in one synchronous call, and no other writer exists.
   */
  memberSnapshot(groupId: string): MemberSnapshot {
    const cached = this.memberCache.get(groupId);
    if (cached) return cached;
    const group = this.selectConvVersion.get(groupId);
    if (group === undefined) return NO_MEMBERS;
    const snapshot: MemberSnapshot = Object.freeze({ version: group.version, ids: Object.freeze(this.selectMemberIds.all(group.convId)) });
    if (this.memberCache.size >= MEMBER_CACHE_GROUPS) this.memberCache.delete(this.memberCache.keys().next().value!);
    this.memberCache.set(groupId, snapshot);
    return snapshot;
  }

  /** @throws ImError CONVERSATION_NOT_FOUND for an unknown group */
  addMembers(groupId: string, userIds: readonly string[]): string[] {
    this.memberCache.delete(groupId);
    return this.counters.guard(() => this.addTx(groupId, userIds));
  }

  /** @throws ImError CONVERSATION_NOT_FOUND for an unknown group */
  removeMembers(groupId: string, userIds: readonly string[]): string[] {
    this.memberCache.delete(groupId);
    return this.removeTx(groupId, userIds);
  }

  /** @throws ImError CONVERSATION_NOT_FOUND, NOT_MEMBER, or FORBIDDEN for the owner (whose role is fixed) */
  setRole(groupId: string, userId: string, role: Exclude<GroupRole, 'owner'>): void {
    const convId = this.convIdOf(groupId);
    if (this.requireMember(groupId, convId, userId).role === 'owner') {
      throw err.forbidden(`${userId} owns ${groupId}; the owner's role cannot change`);
    }
    this.updateRole.run(role, convId, userId);
  }

  /** @throws ImError CONVERSATION_NOT_FOUND, NOT_MEMBER */
  setMuted(groupId: string, userId: string, muted: boolean): void {
    const convId = this.convIdOf(groupId);
    this.requireMember(groupId, convId, userId);
    this.updateMuted.run(muted ? 1 : 0, convId, userId);
  }

  private insert(group: NewGroup): void {
    if (this.selectConvId.get(group.groupId) !== undefined) {
      throw new ImError(ErrorCode.GROUP_EXISTS, `group ${group.groupId} already exists`);
    }
    const now = this.now();
    this.insertConversation.run(group.convId, group.type, now);
    this.insertGroup.run(group.groupId, group.convId, group.type, group.name, group.owner, group.policy ?? null, now);
    this.insertMember.run(group.convId, group.owner, 'owner', 0, now);
    for (const userId of unique(group.members)) this.insertMember.run(group.convId, userId, 'member', 0, now);
  }

  private convIdOf(groupId: string): string {
    const convId = this.selectConvId.get(groupId);
    if (convId === undefined) throw err.groupNotFound(groupId);
    return convId;
  }

  private requireMember(groupId: string, convId: string, userId: string): MemberRow {
    const row = this.selectMember.get(groupId, userId);
    if (!row) throw err.notMember(convId);
    return row;
  }
}

/** Groups whose member lists stay cached; the oldest entry goes first. */
const MEMBER_CACHE_GROUPS = 1000;

const NO_MEMBERS: MemberSnapshot = Object.freeze({ version: 0, ids: Object.freeze([]) });

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];
