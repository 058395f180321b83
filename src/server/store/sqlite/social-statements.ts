import type { Database, Statement } from 'better-sqlite3';
import type { FriendList } from '../../../protocol/frames.js';
import type { PairRelation } from '../message-store.js';

/**
 * Friendships and blocks. A friendship is two directed requests ("a added b" and "b added a"):
 * one direction alone is pending.
 */
export class SocialStatements {
  private readonly selectRelation: Statement<[{ from: string; to: string }], { allowStrangers: number; blocked: number; friends: number }>;
  private readonly insertRequest: Statement<[string, string, number]>;
  private readonly countRequests: Statement<[string, string, string, string], number>;
  private readonly deleteRequests: Statement<[string, string, string, string]>;
  private readonly selectFriends: Statement<[string], string>;
  private readonly selectPendingIn: Statement<[string], string>;
  private readonly selectPendingOut: Statement<[string], string>;
  private readonly insertBlock: Statement<[string, string, number]>;
  private readonly deleteBlock: Statement<[string, string]>;
  private readonly countBlocks: Statement<[string, string, string, string], number>;
  private readonly selectBlockers: Statement<[string, string], string>;
  private readonly addTx: (userId: string, friendId: string) => 'pending' | 'friends';

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    this.insertRequest = db.prepare(
      'INSERT INTO friend_requests (user_id, friend_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const eitherWay = (a: string, b: string) => `(${a} = ? AND ${b} = ?) OR (${a} = ? AND ${b} = ?)`;
    this.countRequests = db.prepare<[string, string, string, string], number>(
      `SELECT COUNT(*) FROM friend_requests WHERE ${eitherWay('user_id', 'friend_id')}`,
    ).pluck();
    this.deleteRequests = db.prepare(`DELETE FROM friend_requests WHERE ${eitherWay('user_id', 'friend_id')}`);
    this.selectFriends = db.prepare<[string], string>(
      `SELECT o.friend_id FROM friend_requests o
         JOIN friend_requests i ON i.user_id = o.friend_id AND i.friend_id = o.user_id
        WHERE o.user_id = ? ORDER BY o.friend_id`,
    ).pluck();
    // A pending request is one without the request back; `mine` is the caller's side of it.
    const pending = (mine: 'user_id' | 'friend_id', theirs: 'user_id' | 'friend_id') =>
      db.prepare<[string], string>(
        `SELECT r.${theirs} FROM friend_requests r
          WHERE r.${mine} = ?
            AND NOT EXISTS (SELECT 1 FROM friend_requests back WHERE back.user_id = r.friend_id AND back.friend_id = r.user_id)
          ORDER BY r.${theirs}`,
      ).pluck();
    this.selectPendingIn = pending('friend_id', 'user_id');
    this.selectPendingOut = pending('user_id', 'friend_id');
    this.insertBlock = db.prepare(
      'INSERT INTO blocks (user_id, blocked_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.deleteBlock = db.prepare('DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?');
    this.countBlocks = db.prepare<[string, string, string, string], number>(
      `SELECT COUNT(*) FROM blocks WHERE ${eitherWay('user_id', 'blocked_id')}`,
    ).pluck();
    this.selectBlockers = db
      .prepare<[string, string], string>(
        'SELECT user_id FROM blocks WHERE blocked_id = ? AND user_id IN (SELECT value FROM json_each(?)) ORDER BY user_id',
      )
      .pluck();
    this.selectRelation = db.prepare(
      `SELECT u.allow_strangers AS allowStrangers,
              EXISTS (SELECT 1 FROM blocks WHERE user_id = @from AND blocked_id = @to)
                OR EXISTS (SELECT 1 FROM blocks WHERE user_id = @to AND blocked_id = @from) AS blocked,
              EXISTS (SELECT 1 FROM friend_requests WHERE user_id = @from AND friend_id = @to)
                AND EXISTS (SELECT 1 FROM friend_requests WHERE user_id = @to AND friend_id = @from) AS friends
         FROM users u WHERE u.user_id = @to`,
    );
    this.addTx = db.transaction((userId: string, friendId: string) => {
      this.insertRequest.run(userId, friendId, this.now());
      return this.areFriends(userId, friendId) ? 'friends' : 'pending';
    });
  }

  addFriend(userId: string, friendId: string): 'pending' | 'friends' {
    return this.addTx(userId, friendId);
  }

  removeFriend(userId: string, friendId: string): void {
    this.deleteRequests.run(userId, friendId, friendId, userId);
  }

  listFriends(userId: string): FriendList {
    return {
      friends: this.selectFriends.all(userId),
      pendingIn: this.selectPendingIn.all(userId),
      pendingOut: this.selectPendingOut.all(userId),
    };
  }

  areFriends(a: string, b: string): boolean {
    return a !== b && this.countRequests.get(a, b, b, a) === 2;
  }

  block(userId: string, blockedId: string): void {
    this.insertBlock.run(userId, blockedId, this.now());
  }

  unblock(userId: string, blockedId: string): void {
    this.deleteBlock.run(userId, blockedId);
  }

  relation(from: string, to: string): PairRelation | undefined {
    const row = this.selectRelation.get({ from, to });
    return row && { allowStrangers: row.allowStrangers !== 0, blocked: row.blocked !== 0, friends: from !== to && row.friends !== 0 };
  }

  blockersOf(userId: string, among: readonly string[]): string[] {
    return among.length === 0 ? [] : this.selectBlockers.all(userId, JSON.stringify(among));
  }

  isBlockedEitherWay(a: string, b: string): boolean {
    return (this.countBlocks.get(a, b, b, a) ?? 0) > 0;
  }
}
