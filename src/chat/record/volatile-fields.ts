import { splitConvId } from './wire-names.js';

/**
 * Everything the server makes up on each run — msgIds, generated group ids and convIds, seqs,
 * pts — never appears literally in a recorded file: it is captured with `save:` where the replay
 * first sees it and referenced as a `{{…}}` template afterwards. This module keeps those
 * correspondences while the steps are built.
 */

/** A message one of the recorded users sent and the server acked. */
export interface SentMessage {
  /** The send step's `save:` name. */
  save: string;
  msgId: string;
  convId: string;
  /** Absent for transient messages. */
  seq?: number;
  /** Position among the send steps: the replay acks (and so numbers) messages in this order. */
  order: number;
}

/** Where the replay's pts of one message, for one user, can be read. */
interface PtsEntry {
  pts: number;
  msgId: string;
  /** Returns the template, first attaching the `save:` it needs to the step that sees the pts. */
  ref: () => string;
}

/** Template roots the loader refuses as `save:` and `as:` names. */
const RESERVED = ['save', 'run', 'seed', 'uuid', 'random', 'conv', 'group'];

/** A template of a name path, or undefined when a segment would be split by its dots. */
const pathTemplate = (segments: readonly string[]): string | undefined =>
  segments.every((s) => /^[A-Za-z0-9_-]+$/.test(s)) ? `{{${segments.join('.')}}}` : undefined;

export class Captures {
  readonly #taken: Set<string>;
  readonly #counters = new Map<string, number>();
  readonly #messages = new Map<string, SentMessage>();
  readonly #generated = new Map<string, string>();
  readonly #pts = new Map<string, PtsEntry[]>();
  readonly #users: ReadonlySet<string>;
  readonly #setupGroups: ReadonlySet<string>;
  #order = 0;

  constructor(userNames: Iterable<string>, setupGroups: Iterable<string>) {
    this.#users = new Set(userNames);
    this.#taken = new Set([...this.#users, ...RESERVED]);
    this.#setupGroups = new Set(setupGroups);
  }

  /** The next free `prefix<n>` (a user called `m1` pushes the first message to `m2`). */
  name(prefix: string): string {
    for (;;) {
      const n = (this.#counters.get(prefix) ?? 0) + 1;
      this.#counters.set(prefix, n);
      const name = `${prefix}${n}`;
      if (!this.#taken.has(name)) {
        this.#taken.add(name);
        return name;
      }
    }
  }

  /** A variable name no user or capture uses. */
  freeName(base: string): string {
    let name = base;
    while (this.#taken.has(name)) name = `${name}_`;
    this.#taken.add(name);
    return name;
  }

  addMessage(save: string, stamp: { msgId: string; convId: string; seq?: number }): SentMessage {
    const message: SentMessage = { save, msgId: stamp.msgId, convId: stamp.convId, order: this.#order++, ...(stamp.seq === undefined ? {} : { seq: stamp.seq }) };
    // An idempotent retry returns the first stamp again: the first send stays the reference.
    if (!this.#messages.has(stamp.msgId)) this.#messages.set(stamp.msgId, message);
    return message;
  }

  message(msgId: unknown): SentMessage | undefined {
    return typeof msgId === 'string' ? this.#messages.get(msgId) : undefined;
  }

  /** Persisted messages of one conversation, in the order the replay numbers them. */
  stored(convId: string): SentMessage[] {
    return [...this.#messages.values()].filter((m) => m.convId === convId && m.seq !== undefined);
  }

  /** A group the replay creates: its id and convId become `{{save.groupId}}` / `{{save.convId}}`. */
  addGroup(save: string, data: { groupId?: unknown; convId?: unknown }): void {
    if (typeof data.groupId === 'string') this.#generated.set(data.groupId, `{{${save}.groupId}}`);
    if (typeof data.convId === 'string') this.#generated.set(data.convId, `{{${save}.convId}}`);
  }

  isGenerated(id: unknown): boolean {
    return typeof id === 'string' && this.#generated.has(id);
  }

  /** A generated id as its template; anything else unchanged. */
  id(value: string): string {
    return this.#generated.get(value) ?? value;
  }

  /**
   * A convId as the replay should see it: a capture for generated groups, `{{conv.…}}` for pairs,
   * system conversations and setup groups (so it follows `--server` prefixes), else literal.
   */
  conv(convId: string): string {
    const generated = this.#generated.get(convId);
    if (generated !== undefined) return generated;
    const parsed = splitConvId(convId);
    if (!parsed) return convId;
    const isGroup = parsed.type !== 'single' && parsed.type !== 'stranger' && parsed.type !== 'system';
    // The template only resolves for names the scenario declares.
    const known = isGroup ? this.#setupGroups.has(parsed.parts[0] ?? '') : parsed.parts.every((p) => this.#users.has(p));
    if (!known) return convId;
    return pathTemplate(['conv', parsed.type, ...parsed.parts]) ?? convId;
  }

  /** Records where the replay's pts of `msgId` for `user` can be read; the first source wins. */
  addPts(user: string, pts: unknown, msgId: string, ref: () => string): void {
    if (typeof pts !== 'number') return;
    const list = this.#pts.get(user) ?? [];
    if (list.some((e) => e.msgId === msgId)) return;
    list.push({ pts, msgId, ref });
    this.#pts.set(user, list);
  }

  /** The known message with the highest recorded pts not above `pts`. */
  ptsAtOrBelow(user: string, pts: number): PtsEntry | undefined {
    let best: PtsEntry | undefined;
    for (const e of this.#pts.get(user) ?? []) if (e.pts <= pts && (best === undefined || e.pts > best.pts)) best = e;
    return best;
  }

  ptsExactly(user: string, pts: unknown): PtsEntry | undefined {
    return (this.#pts.get(user) ?? []).find((e) => e.pts === pts);
  }
}

/** A `ref` for a step whose result holds the pts: gives the step a `save:` on first use. */
export function lazySave(step: Record<string, unknown>, captures: Captures, prefix: string, path: string): () => string {
  return () => {
    if (typeof step.save !== 'string') step.save = captures.name(prefix);
    return `{{${step.save as string}.${path}}}`;
  };
}
