import { isValidId } from '../../protocol/ids.js';

const PAIR_TYPES = new Set(['single', 'stranger']);
const CONV_PREFIXES = new Set(['single', 'stranger', 'group', 'chatroom', 'channel', 'mgroup', 'system', 'custom']);

/** Keys whose string values (or arrays of strings) are user or group ids in frames and HTTP data. */
const ID_KEYS = new Set(['from', 'to', 'userId', 'owner', 'groupId', 'target', 'members', 'friends', 'pendingIn', 'pendingOut']);

/**
 * Scenario names → real ids. Embedded, a name is its id; against `--server` every user and
 * group is `${runId}-${name}`, so reruns never collide. Only names the run knows (its users and
 * the groups it created) are mapped: anything else — a real id from a template, `system`, a
 * deliberately unknown user — passes through unchanged.
 */
export class IdMap {
  readonly #prefix: string | undefined;
  readonly #users = new Set<string>();
  readonly #groups = new Set<string>();

  /** @param prefix the run id against `--server`; undefined for identity (embedded). */
  constructor(prefix: string | undefined) {
    this.#prefix = prefix;
  }

  get prefixed(): boolean {
    return this.#prefix !== undefined;
  }

  addUser(name: string): string {
    this.#users.add(name);
    return this.#real(name);
  }

  addGroup(name: string): string {
    this.#groups.add(name);
    return this.#real(name);
  }

  isGroup(name: string): boolean {
    return this.#groups.has(name);
  }

  /** A known user or group name → its real id; anything else unchanged. */
  id(name: string): string {
    return this.#users.has(name) || this.#groups.has(name) ? this.#real(name) : name;
  }

  /** `single:alice:bob` → the same convId in real ids (pair parts re-sorted); other strings unchanged. */
  convId(text: string): string {
    if (!this.prefixed) return text;
    const [prefix, ...parts] = text.split(':');
    if (prefix === undefined || !CONV_PREFIXES.has(prefix) || parts.length === 0 || !parts.every(isValidId)) return text;
    if (PAIR_TYPES.has(prefix)) {
      if (parts.length !== 2) return text;
      return `${prefix}:${parts.map((p) => this.id(p)).sort().join(':')}`;
    }
    return parts.length === 1 ? `${prefix}:${this.id(parts[0] ?? '')}` : text;
  }

  /**
   * Maps ids inside a matcher, an HTTP body or a raw frame: values under id keys (`from`, `to`,
   * `userId`, `groupId`, `members`, …, operators included) and convIds anywhere.
   */
  deep(value: unknown, idKey = false): unknown {
    if (!this.prefixed) return value;
    if (typeof value === 'string') return idKey ? this.convId(this.id(value)) : this.convId(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v, idKey));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.deep(v, k.startsWith('$') ? idKey && k !== '$regex' : ID_KEYS.has(k))]),
      );
    }
    return value;
  }

  #real(name: string): string {
    return this.#prefix === undefined ? name : `${this.#prefix}-${name}`;
  }
}
