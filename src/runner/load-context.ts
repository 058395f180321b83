import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { Source } from './types.js';
import { syntaxErrorOffset } from './yaml-position.js';

/** A place in a file, 1-based, as editors count. */
export interface Position {
  line: number;
  col: number;
}

/**
 * A scenario file that cannot be loaded. `message` is one line, `file:line:col: path: reason`.
 * Thrown once per file: `errors` holds every error the loader found in it (this one first), so
 * `im scenario check` can list them all.
 */
export class ScenarioLoadError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly col: number | undefined;
  /** The message without the location: `path: reason`. */
  readonly reason: string;
  errors: readonly ScenarioLoadError[];

  constructor(file: string, at: Position | undefined, reason: string) {
    super(`${file}${at === undefined ? '' : `:${at.line}:${at.col}`}: ${reason}`);
    this.name = 'ScenarioLoadError';
    this.file = file;
    this.line = at?.line;
    this.col = at?.col;
    this.reason = reason;
    this.errors = [this];
  }

  /** One error standing for all of `errors` (sorted by place), or undefined when there is none. */
  static of(errors: readonly ScenarioLoadError[]): ScenarioLoadError | undefined {
    const seen = new Set<string>();
    const sorted = [...errors]
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0))
      .filter((e) => !seen.has(e.message) && seen.add(e.message));
    const [first] = sorted;
    if (first) first.errors = sorted;
    return first;
  }
}

/** A position in the parsed file, as object keys and array indexes. */
export type Path = readonly (string | number)[];

/** `steps[3].send.from` */
export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The closest of `candidates` to `word`, if close enough to be the likely intent. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** ` (did you mean "x"?)` or ''. */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const s = didYouMean(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * One parsed file: the plain data plus the YAML nodes behind it, so that every error and every
 * step can name its line and column. Errors of independent parts of the file (`part()`) are
 * gathered in `errors`, so one typo does not hide the next.
 */
export class LoadContext {
  readonly data: unknown;
  readonly errors: ScenarioLoadError[] = [];
  private readonly doc: Document;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    private readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const syntax = this.doc.errors.map((error) => {
      const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
      return new ScenarioLoadError(file, this.lines.linePos(syntaxErrorOffset(text, error)), `YAML: ${reason}`);
    });
    // Past a syntax error the data is a guess: checking it would report errors that are not there.
    const first = ScenarioLoadError.of(syntax);
    if (first) throw first;
    this.data = this.doc.toJS();
  }

  /**
   * Runs one part of the file that can be checked on its own (a step, a group, a threshold…).
   * Its errors are kept and undefined is returned, so the caller goes on with the next part.
   */
  part<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (e) {
      if (!(e instanceof ScenarioLoadError)) throw e;
      this.errors.push(...e.errors);
      return undefined;
    }
  }

  /** Throws every error the parts left, as one ScenarioLoadError. */
  throwErrors(): void {
    const first = ScenarioLoadError.of(this.errors);
    if (first) throw first;
  }

  /** Throws the one-line error for `path`. */
  fail(path: Path, reason: string): never {
    throw this.errorAt(path, reason);
  }

  errorAt(path: Path, reason: string): ScenarioLoadError {
    return new ScenarioLoadError(this.file, this.at(path), path.length > 0 ? `${formatPath(path)}: ${reason}` : reason);
  }

  /** The error for the key `key` of the map at `path`, at the key itself. */
  errorAtKey(path: Path, key: string, reason: string): ScenarioLoadError {
    return new ScenarioLoadError(this.file, this.keyAt(path, key), path.length > 0 ? `${formatPath(path)}: ${reason}` : reason);
  }

  /** Where the node at `path` starts, or its nearest ancestor that exists. */
  at(path: Path): Position | undefined {
    const offset = this.node(path)?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset);
  }

  /** Where `key` is written inside the map at `path` (for unknown keys); the map when it is not. */
  keyAt(path: Path, key: string): Position | undefined {
    const map = this.node(path);
    const pair = isMap(map) ? map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) : undefined;
    const offset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    return offset === undefined ? this.at(path) : this.lines.linePos(offset);
  }

  /** Where a step was written: its first line and its text, dedented. */
  source(path: Path): Source {
    const node = this.node(path);
    const [start, end] = node?.range ?? [0, 0];
    const { line, col } = this.lines.linePos(start);
    const indent = new RegExp(`^ {0,${col - 1}}`);
    const text = this.text
      .slice(start, end)
      .split('\n')
      .map((l, i) => (i === 0 ? l : l.replace(indent, '')))
      .join('\n')
      .trim();
    return { file: this.file, line, text };
  }

  /**
   * Validates `value` (found at `path`) with `schema`. Every problem becomes one error; they are
   * thrown together (see `part()`), the earliest in the file first.
   */
  check<T extends z.ZodType>(schema: T, value: unknown, path: Path): z.output<T> {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    const errors = relevantIssues(result.error.issues).map((issue) => this.issueError(schema, issue, path));
    throw ScenarioLoadError.of(errors) ?? this.errorAt(path, 'invalid');
  }

  private issueError(schema: z.ZodType, issue: z.core.$ZodIssue, path: Path): ScenarioLoadError {
    const at = [...path, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      const known = objectKeysAt(schema, issue.path);
      const hint = didYouMean(key, known);
      const tail = hint !== undefined ? ` (did you mean "${hint}"?)` : known.length > 0 ? ` (expected one of: ${known.join(', ')})` : '';
      return this.errorAtKey(at, key, `unknown key "${key}"${tail}`);
    }
    if (isMissing(issue) && at.length > 0) return this.missing(at.slice(0, -1), String(at.at(-1)));
    return this.errorAt(at, describeIssue(issue));
  }

  /** A required key is absent from the map at `path`: point at the key that opens that map. */
  private missing(path: Path, key: string): ScenarioLoadError {
    const owner = path.at(-1);
    const where = typeof owner === 'string' ? this.keyAt(path.slice(0, -1), owner) : this.at(path);
    return new ScenarioLoadError(this.file, where, `${path.length > 0 ? `${formatPath(path)}: ` : ''}missing "${key}"`);
  }

  private node(path: Path): Node | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node) return node;
    }
    return undefined;
  }
}

/**
 * The issues worth reporting: unions flattened to the branch that got furthest, one issue per
 * unknown key, and no "missing" for a key whose map has an unknown one (the typo causes it).
 */
function relevantIssues(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const perKey = (i: z.core.$ZodIssue): z.core.$ZodIssue[] => (i.code === 'unrecognized_keys' ? i.keys.map((key) => ({ ...i, keys: [key] })) : [i]);
  const flat = issues.flatMap((i) => flattenUnion(i)).flatMap(perKey);
  const unknownAt = new Set(flat.filter((i) => i.code === 'unrecognized_keys').map((i) => JSON.stringify(i.path)));
  return flat.filter((i) => !(isMissing(i) && unknownAt.has(JSON.stringify(i.path.slice(0, -1)))));
}

const isMissing = (i: z.core.$ZodIssue) => i.code === 'invalid_type' && i.input === undefined;

/**
 * A union (actor or list, short or long form) failed: report the branch that got furthest, or,
 * when every branch rejected the value's type, one issue naming all the types expected.
 */
function flattenUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const atRoot = (e: z.core.$ZodIssue) => e.path.length === issue.path.length;
  const branches = issue.errors.map((errs) =>
    errs.flatMap((e) => flattenUnion({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue)),
  );
  const deeper = branches.find((errs) => errs.some((e) => !atRoot(e) || expectedTypes(e).length === 0));
  if (deeper) return deeper;
  const expected = [...new Set(branches.flat().flatMap(expectedTypes).map(yamlType))];
  const message = `expected ${expected.join(' or ')}, got ${typeName(issue.input)}`;
  return [{ code: 'custom', path: issue.path, message, input: issue.input, params: { expected } }];
}

/** The types an issue says were expected, when it is a plain type mismatch. */
function expectedTypes(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'invalid_type') return [issue.expected];
  const expected = issue.code === 'custom' ? (issue.params as { expected?: string[] } | undefined)?.expected : undefined;
  return expected ?? [];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${yamlType(issue.expected)}, got ${typeName(issue.input)}`;
    case 'invalid_value': {
      const options = issue.values.map(String);
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, options) : undefined;
      if (hint !== undefined) return `unknown value ${JSON.stringify(issue.input)} (did you mean "${hint}"?)`;
      return `${JSON.stringify(issue.input)} is not one of ${options.join(', ')}`;
    }
    case 'too_small':
      return issue.origin === 'array' ? `needs at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}` : `must be at least ${issue.minimum}${issue.inclusive ? '' : ' (exclusive)'}, got ${JSON.stringify(issue.input)}`;
    case 'invalid_format':
      return `${issue.message} (got ${JSON.stringify(issue.input)})`;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/** zod's type names in the words of a YAML file. */
function yamlType(zodType: string): string {
  return zodType === 'record' || zodType === 'object' ? 'a map' : zodType === 'array' ? 'a list' : zodType;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The keys of every object schema reachable at `path` inside `schema` (for did-you-mean). */
function objectKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const inner = (s: unknown, rest: readonly PropertyKey[]) => objectKeysAt(s as z.core.$ZodType, rest);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return inner(def.innerType, path);
    case 'lazy':
      return inner((def.getter as () => unknown)(), path);
    case 'union':
      return [...new Set((def.options as unknown[]).flatMap((o) => inner(o, path)))];
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      if (path.length === 0) return Object.keys(shape);
      const next = shape[String(path[0])];
      return next === undefined ? [] : inner(next, path.slice(1));
    }
    case 'array':
      return path.length === 0 ? [] : inner(def.element, path.slice(1));
    case 'record':
      return path.length === 0 ? [] : inner(def.valueType, path.slice(1));
    case 'tuple':
      return path.length === 0 ? [] : inner((def.items as unknown[])[Number(path[0])], path.slice(1));
    default:
      return [];
  }
}
