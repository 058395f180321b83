/**
 * What the cache needs of the store: `MessageStore.memberSnapshot`, by its shape (deliver/ must
 * not import store/). The ids and the version must come from one consistent read.
 */
export interface MemberReader {
  memberSnapshot(groupId: string): Promise<{ version: number; ids: readonly string[] }>;
}

/**
 * A group's member ids as of one membership version. The ids stay the array the store gave, and
 * a fan-out to a group whose members are all online walks it as it walked the event's list
 * before this cache (walking a Set and collecting the online ids first cost 50–100% more per
 * message there). The Set is built on the first lookup, which only a node with fewer users than
 * the group makes.
 */
export class Members {
  private set: Set<string> | undefined;

  constructor(
    readonly version: number,
    readonly ids: readonly string[],
  ) {}

  has(userId: string): boolean {
    return (this.set ??= new Set(this.ids)).has(userId);
  }
}

export interface MemberCacheOptions {
  /** Member ids held over all groups; past it the least recently used groups go. */
  maxIds?: number;
  /** Groups held; past it the least recently used go. */
  maxGroups?: number;
}

/** Roughly 100 MB at most (ids, arrays, Sets): an idle group is cheap to read again. */
const DEFAULT_MAX_IDS = 1_000_000;
const DEFAULT_MAX_GROUPS = 10_000;

/**
 * A node's member ids of the groups it fans out to, so a read-diffusion or transient group
 * message costs no store read: its event names the group and the membership version its sender
 * read, and an entry at that version or later answers it. An entry older than the event's
 * version, or none, is read again; that version, not the group-changed event (which the bus may
 * lose or deliver late), is what keeps a removed member from getting pushes. The group-changed
 * event only drops the entry early.
 *
 * A read that raced a drop may hold a list older than the change that caused it: harmless, since
 * every message routed after that change names a newer version and reads again.
 */
export class MemberCache {
  /** Least recently used first: a Map iterates in insertion order, and a hit moves to the end. */
  private readonly entries = new Map<string, Members>();
  private heldIds = 0;
  private readonly maxIds: number;
  private readonly maxGroups: number;

  constructor(
    private readonly reader: MemberReader,
    options: MemberCacheOptions = {},
  ) {
    this.maxIds = options.maxIds ?? DEFAULT_MAX_IDS;
    this.maxGroups = options.maxGroups ?? DEFAULT_MAX_GROUPS;
  }

  /**
   * The group's members at `version` or a later one: at once when held (the hot path: no
   * promise, no microtask), else a promise of them, read from the store and then held.
   */
  get(groupId: string, version: number): Members | Promise<Members> {
    const hit = this.entries.get(groupId);
    if (hit === undefined || hit.version < version) return this.load(groupId);
    this.entries.delete(groupId);
    this.entries.set(groupId, hit);
    return hit;
  }

  /** Forgets the group (its membership changed); the next message reads it again. */
  drop(groupId: string): void {
    const entry = this.entries.get(groupId);
    if (entry === undefined) return;
    this.entries.delete(groupId);
    this.heldIds -= entry.ids.length;
  }

  get size(): number {
    return this.entries.size;
  }

  private async load(groupId: string): Promise<Members> {
    const snapshot = await this.reader.memberSnapshot(groupId);
    const members = new Members(snapshot.version, snapshot.ids);
    this.put(groupId, members);
    return members;
  }

  private put(groupId: string, members: Members): void {
    this.drop(groupId);
    this.entries.set(groupId, members);
    this.heldIds += members.ids.length;
    for (const [id, entry] of this.entries) {
      if (this.heldIds <= this.maxIds && this.entries.size <= this.maxGroups) break;
      // The entry just read is needed now, even when it alone is over the bound.
      if (id === groupId) break;
      this.entries.delete(id);
      this.heldIds -= entry.ids.length;
    }
  }
}
