import type { Database, Statement } from 'better-sqlite3';
import { ErrorCode } from '../../../protocol/codes.js';
import { ImError, err } from '../../errors.js';
import type { NewUser, TokenStatus, UserRecord } from '../message-store.js';

interface UserRow {
  userId: string;
  nickname: string;
  passwordHash: string;
  allowStrangers: number;
  tokenGeneration: number;
}

/** Accounts and the meta key-value table. */
export class UserStatements {
  private readonly insertUser: Statement<[string, string, string, number]>;
  private readonly selectUser: Statement<[string], UserRow>;
  private readonly selectExisting: Statement<[string], string>;
  private readonly updateAllowStrangers: Statement<[number, string]>;
  private readonly updatePassword: Statement<[string, string], { tokenGeneration: number }>;
  private readonly insertRevoked: Statement<[string, string, number]>;
  private readonly deleteExpiredRevoked: Statement<[number]>;
  private readonly selectTokenStatus: Statement<[string, string], { generation: number; revoked: number }>;
  private readonly selectMeta: Statement<[string], string>;
  private readonly createTx: (users: readonly NewUser[]) => void;
  private readonly insertMeta: Statement<[string, string]>;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {
    this.insertUser = db.prepare(
      `INSERT INTO users (user_id, password_hash, nickname, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id) DO NOTHING`,
    );
    this.selectUser = db.prepare(
      `SELECT user_id AS userId, nickname, password_hash AS passwordHash, allow_strangers AS allowStrangers,
              token_generation AS tokenGeneration
         FROM users WHERE user_id = ?`,
    );
    this.updatePassword = db.prepare(
      `UPDATE users SET password_hash = ?, token_generation = token_generation + 1
         WHERE user_id = ? RETURNING token_generation AS tokenGeneration`,
    );
    this.insertRevoked = db.prepare(
      'INSERT INTO revoked_tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (token_hash) DO NOTHING',
    );
    this.deleteExpiredRevoked = db.prepare('DELETE FROM revoked_tokens WHERE expires_at <= ?');
    this.selectTokenStatus = db.prepare(
      `SELECT u.token_generation AS generation,
              EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.token_hash = ?) AS revoked
         FROM users u WHERE u.user_id = ?`,
    );
    // One round trip for any number of ids: the list travels as one JSON parameter.
    this.selectExisting = db
      .prepare<[string], string>('SELECT user_id FROM users WHERE user_id IN (SELECT value FROM json_each(?))')
      .pluck();
    this.updateAllowStrangers = db.prepare('UPDATE users SET allow_strangers = ? WHERE user_id = ?');
    this.selectMeta = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck();
    this.insertMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    this.createTx = db.transaction((users: readonly NewUser[]) => {
      const now = this.now();
      for (const user of users) {
        const { changes } = this.insertUser.run(user.userId, user.passwordHash, user.nickname, now);
        if (changes === 0) throw new ImError(ErrorCode.USER_EXISTS, `user ${user.userId} already exists`);
      }
    });
  }

  /** All or none, in one transaction. */
  create(users: readonly NewUser[]): void {
    this.createTx(users);
  }



  get(userId: string): UserRecord | undefined {
    const row = this.selectUser.get(userId);
    return row && { ...row, allowStrangers: row.allowStrangers !== 0 };
  }

  /** @throws ImError USER_NOT_FOUND */
  setPassword(userId: string, passwordHash: string): number {
    const row = this.updatePassword.get(passwordHash, userId);
    if (!row) throw err.userNotFound(userId);
    return row.tokenGeneration;
  }

  /** Records the revocation and forgets revocations of tokens that have expired since. */
  revokeToken(userId: string, tokenHash: string, expiresAt: number): void {
    this.db.transaction(() => {
      this.deleteExpiredRevoked.run(this.now());
      this.insertRevoked.run(tokenHash, userId, expiresAt);
    })();
  }

  tokenStatus(userId: string, tokenHash: string): TokenStatus | undefined {
    const row = this.selectTokenStatus.get(tokenHash, userId);
    return row && { generation: row.generation, revoked: row.revoked !== 0 };
  }

  existing(userIds: readonly string[]): Set<string> {
    return new Set(userIds.length === 0 ? [] : this.selectExisting.all(JSON.stringify(userIds)));
  }

  /** @throws ImError USER_NOT_FOUND */
  setAllowStrangers(userId: string, allow: boolean): void {
    const { changes } = this.updateAllowStrangers.run(allow ? 1 : 0, userId);
    if (changes === 0) throw err.userNotFound(userId);
  }

  getOrInitMeta(key: string, init: () => string): string {
    return this.db.transaction(() => {
      const stored = this.selectMeta.get(key);
      if (stored !== undefined) return stored;
      const value = init();
      this.insertMeta.run(key, value);
      return value;
    })();
  }
}
