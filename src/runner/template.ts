/**
 * `{{path}}` templates over the run context. A string that is exactly one template yields the
 * raw value (a number stays a number, an object stays an object); any other string with
 * templates is interpolated (objects as JSON). Roots, first match wins:
 *
 * - loop variables (`repeat … as: x`), innermost first, then saved captures (`save: m1`);
 * - `save.<name>` — the same captures, explicitly;
 * - `run.id` — the run id (prefix of every id against `--server`); `seed` — the run's seed;
 * - `uuid` — a fresh v4-shaped UUID, deterministic in (seed, file, how many were drawn);
 * - `random.int(a, b)` — an integer in [a, b], deterministic in (seed, file, draw order);
 * - `conv.single.alice.bob`, `conv.stranger.alice.bob`, `conv.group.g1` (also chatroom, channel,
 *   mgroup, custom), `conv.system.alice` — the convId, in real ids;
 * - an actor, `alice` or `alice@phone`: `.id` (real userId), `.name`, `.device`, `.pts` (the
 *   device's lastPts), `.last` (the last frame the device received, replies included);
 * - `group.<name>` — a group's real id.
 *
 * Anything else fails the step with "unknown template variable".
 */

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/;
const RANDOM_INT = /^random\.int\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Where variables live: a chain from the innermost loop out to the run's captures. */
export class Scope {
  readonly #vars = new Map<string, unknown>();

  constructor(readonly parent?: Scope) {}

  child(vars: Record<string, unknown> = {}): Scope {
    const scope = new Scope(this);
    for (const [k, v] of Object.entries(vars)) scope.#vars.set(k, v);
    return scope;
  }

  get(name: string): { value: unknown } | undefined {
    if (this.#vars.has(name)) return { value: this.#vars.get(name) };
    return this.parent?.get(name);
  }

  set(name: string, value: unknown): void {
    this.#vars.set(name, value);
  }
}

/** What the engine asks the run about. */
export interface TemplateHost {
  runId: string;
  seed: number;
  file: string;
  /** An actor view for `alice` / `alice@phone`, undefined when there is no such actor. */
  actor(ref: string): Record<string, unknown> | undefined;
  /** A convId in real ids, undefined when the type or the names are not known. */
  convId(type: string, names: readonly string[]): string | undefined;
  /** A group's real id, undefined when unknown. */
  groupId(name: string): string | undefined;
}

// ---- seeded randomness -----------------------------------------------------------------------

/** cyrb53-style 32-bit hash of a string. */
function hash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  return h1 >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TemplateEngine {
  readonly saved: Scope;
  readonly #host: TemplateHost;
  readonly #random: () => number;
  #uuids = 0;

  constructor(host: TemplateHost) {
    this.#host = host;
    this.saved = new Scope();
    this.#random = prng(hash(`${host.seed}:${host.file}:random`));
  }

  uuid(): string {
    const next = prng(hash(`${this.#host.seed}:${this.#host.file}:uuid:${this.#uuids++}`));
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  randomInt(a: number, b: number): number {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return lo + Math.floor(this.#random() * (hi - lo + 1));
  }

  /** Resolves every template in `value` (deeply; keys are left alone). */
  resolve<T>(value: T, scope: Scope): T {
    return this.#resolve(value, scope) as T;
  }

  /** Evaluates one expression, e.g. `m1.msgId` or `bob@phone.last.stamp.seq`. */
  evaluate(expression: string, scope: Scope): unknown {
    const expr = expression.trim();
    if (expr === 'uuid') return this.uuid();
    const random = RANDOM_INT.exec(expr);
    if (random) return this.randomInt(Number(random[1]), Number(random[2]));
    const segments = expr.replace(/\[(\d+)\]/g, '.$1').split('.');
    const [root = '', ...rest] = segments;
    const special = this.#special(root, rest, expr);
    if (special) return this.#walk(special.value, special.rest, special.consumed, expr);
    const found = scope.get(root) ?? this.saved.get(root) ?? this.#builtin(root) ?? this.#actor(root);
    if (!found) throw new TemplateError(`unknown template variable "${root}" in {{${expr}}}`);
    return this.#walk(found.value, rest, root, expr);
  }

  #resolve(value: unknown, scope: Scope): unknown {
    if (typeof value === 'string') return this.#string(value, scope);
    if (Array.isArray(value)) return value.map((v) => this.#resolve(v, scope));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.#resolve(v, scope)]));
    }
    return value;
  }

  #string(text: string, scope: Scope): unknown {
    if (!text.includes('{{')) return text;
    const whole = WHOLE.exec(text);
    if (whole) return this.evaluate(whole[1] ?? '', scope);
    return text.replace(TEMPLATE, (_, expr: string) => {
      const value = this.evaluate(expr, scope);
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
  }

  /** `save.x…` and `conv.<type>.<names>` take a fixed number of segments before the walk. */
  #special(root: string, rest: string[], expr: string): { value: unknown; rest: string[]; consumed: string } | undefined {
    if (root === 'save') {
      const [name = '', ...tail] = rest;
      const found = this.saved.get(name);
      if (!found) throw new TemplateError(`unknown capture "save.${name}" in {{${expr}}}`);
      return { value: found.value, rest: tail, consumed: `save.${name}` };
    }
    if (root === 'conv') {
      const [type = '', ...names] = rest;
      const arity = type === 'single' || type === 'stranger' ? 2 : 1;
      const convId = this.#host.convId(type, names.slice(0, arity));
      if (convId === undefined || names.length < arity) throw new TemplateError(`unknown conversation {{${expr}}}`);
      return { value: convId, rest: names.slice(arity), consumed: ['conv', type, ...names.slice(0, arity)].join('.') };
    }
    if (root === 'group') {
      const [name = '', ...tail] = rest;
      const id = this.#host.groupId(name);
      if (id === undefined) throw new TemplateError(`unknown group "${name}" in {{${expr}}}`);
      return { value: id, rest: tail, consumed: `group.${name}` };
    }
    return undefined;
  }

  #builtin(root: string): { value: unknown } | undefined {
    if (root === 'run') return { value: { id: this.#host.runId, seed: this.#host.seed } };
    if (root === 'seed') return { value: this.#host.seed };
    return undefined;
  }

  #actor(root: string): { value: unknown } | undefined {
    const view = this.#host.actor(root);
    return view && { value: view };
  }

  #walk(value: unknown, path: readonly string[], consumed: string, expr: string): unknown {
    let current = value;
    let at = consumed;
    for (const key of path) {
      if (current === null || current === undefined || (typeof current !== 'object' && typeof current !== 'string')) {
        throw new TemplateError(`unknown template variable "${at}.${key}" in {{${expr}}}: ${at} is ${JSON.stringify(current)}`);
      }
      const next = (current as Record<string, unknown>)[key];
      if (next === undefined) throw new TemplateError(`unknown template variable "${at}.${key}" in {{${expr}}}`);
      current = next;
      at = `${at}.${key}`;
    }
    return current;
  }
}
