import { ConvType } from '../protocol/codes.js';
import { convIdFor } from '../protocol/ids.js';
import type { MembershipModel } from './types.js';

interface Interval {
  from: number;
  /** Undefined while still a member. */
  until?: number;
}

const PAIR_PREFIXES = new Set(['single', 'stranger']);

/**
 * Group membership as the runner saw it change (setup, then the HTTP steps it ran), over time, in
 * real userIds and convIds. Pair and system conversations need no bookkeeping: their members
 * are in the id. Changes take effect when the server's reply arrives.
 */
export class Membership implements MembershipModel {
  readonly #groups = new Map<string, Map<string, Interval[]>>();
  readonly #convOfGroup = new Map<string, string>();

  /** A group created (by setup or a `/group/create` step): its owner and initial members join. */
  created(groupId: string, convId: string, members: readonly string[], at: number): void {
    this.#convOfGroup.set(groupId, convId);
    if (!this.#groups.has(convId)) this.#groups.set(convId, new Map());
    for (const user of members) this.joined(groupId, user, at);
  }

  joined(groupId: string, user: string, at: number): void {
    const members = this.#members(groupId);
    if (!members) return;
    const intervals = members.get(user) ?? [];
    const last = intervals.at(-1);
    if (last && last.until === undefined) return;
    intervals.push({ from: at });
    members.set(user, intervals);
  }

  left(groupId: string, user: string, at: number): void {
    const last = this.#members(groupId)?.get(user)?.at(-1);
    if (last && last.until === undefined) last.until = at;
  }

  isMember(user: string, convId: string, at: number): boolean {
    const [prefix, ...parts] = convId.split(':');
    if (prefix !== undefined && PAIR_PREFIXES.has(prefix)) return parts.includes(user);
    if (prefix === 'system') return parts[0] === user;
    const intervals = this.#groups.get(convId)?.get(user) ?? [];
    return intervals.some((i) => i.from <= at && (i.until === undefined || at < i.until));
  }

  /** Every user who is a member of a group conversation at `at`. */
  membersAt(convId: string, at: number): string[] {
    const members = this.#groups.get(convId);
    if (!members) return [];
    return [...members.keys()].filter((user) => this.isMember(user, convId, at));
  }

  /** Who should receive a message `from` sent to `to` (real ids), the sender excluded. */
  recipients(convType: ConvType, from: string, to: string, at: number): string[] {
    switch (convType) {
      case ConvType.SINGLE:
      case ConvType.STRANGER_CHAT:
      case ConvType.SYSTEM_CONVERSATION:
        return to === from ? [] : [to];
      default:
        return this.membersAt(convIdFor(convType, from, to), at).filter((user) => user !== from);
    }
  }

  #members(groupId: string): Map<string, Interval[]> | undefined {
    const convId = this.#convOfGroup.get(groupId);
    return convId === undefined ? undefined : this.#groups.get(convId);
  }
}
