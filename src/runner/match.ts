import { CmdType, ErrorCode, MsgType, cmdName, errorName, msgTypeName } from '../protocol/codes.js';
import { CONV_TYPE_NAMES, MATCH_OPERATORS } from './surface.js';
import type { Matcher } from './types.js';

/**
 * Partial deep matching of frames (and reply contents, HTTP data) against a scenario Matcher
 * (the TSDoc of `Matcher` in types.ts is the contract). `compare()` never throws: a malformed
 * operator is a mismatch with a reason, so a failure can still show the closest frame.
 */

/** One place where the actual value did not satisfy the matcher. */
export interface Mismatch {
  /** Dotted path from the root, e.g. `content.text` or `content.messages[2].stamp.seq`. */
  path: string;
  expected: unknown;
  /** `undefined` when the field is absent. */
  actual: unknown;
  /** Set when an operator explains better than "expected X, got Y" (e.g. `$len`). */
  note?: string;
}

export interface Comparison {
  /** Leaf checks made (scalars and operators). */
  total: number;
  passed: number;
  mismatches: Mismatch[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object whose keys all start with `$` is an operator node. */
export const isOperatorNode = (v: unknown): v is Record<string, unknown> =>
  isPlainObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('$'));

// ---- names → codes ---------------------------------------------------------------------------

/** The loader's conversation-type names (`single`, `mgroup`, …), upper-cased like the other tables. */
const CONV_ALIASES: Record<string, number> = Object.fromEntries(Object.entries(CONV_TYPE_NAMES).map(([name, code]) => [name.toUpperCase(), code]));

/** Keys whose string values are names of a code table, resolved case-insensitively. */
const NAME_TABLES: Record<string, Record<string, number>> = {
  cmd: CmdType,
  convType: CONV_ALIASES,
  msgType: MsgType,
  code: ErrorCode,
};

/** `PUSH`/`push` → 20 for key `cmd`, `single` → 1 for `convType`, …; undefined when not a name. */
export function codeOf(key: string, value: unknown): number | undefined {
  const table = NAME_TABLES[key];
  if (!table) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  return table[value.toUpperCase()];
}

function resolveNamesUnder(key: string, value: unknown): unknown {
  const code = codeOf(key, value);
  if (code !== undefined) return code;
  if (Array.isArray(value)) return value.map((v) => resolveNamesUnder(key, v));
  if (isOperatorNode(value)) {
    return Object.fromEntries(Object.entries(value).map(([op, v]) => [op, op === '$contains' ? normalizeMatcher(v) : resolveNamesUnder(key, v)]));
  }
  return normalizeMatcher(value);
}

/**
 * Resolves code names (cmd, convType, msgType, error code) anywhere in the matcher, and turns a
 * top-level `cmd:` shorthand into `header.cmd`. Idempotent.
 */
export function normalizeMatcher(matcher: Matcher, top = false): Matcher {
  if (Array.isArray(matcher)) return matcher.map((m) => normalizeMatcher(m));
  if (!isPlainObject(matcher)) return matcher;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(matcher)) {
    if (key.startsWith('$')) out[key] = key === '$contains' ? normalizeMatcher(value) : value;
    else out[key] = NAME_TABLES[key] ? resolveNamesUnder(key, value) : normalizeMatcher(value);
  }
  if (top && 'cmd' in out) {
    const { cmd, ...rest } = out;
    const header = isPlainObject(rest.header) ? rest.header : {};
    return { ...rest, header: { ...header, cmd } };
  }
  return out;
}

/** Normalizes a matcher written against a whole frame (top-level `cmd:` allowed). */
export const frameMatcher = (matcher: Matcher): Matcher => normalizeMatcher(matcher, true);

// ---- codes → names, for failure output --------------------------------------------------------

const CONV_NAMES = new Map<number, string>();
for (const [name, code] of Object.entries(CONV_TYPE_NAMES)) if (!CONV_NAMES.has(code)) CONV_NAMES.set(code, name);

/** A code in a named position as its scenario name: 20 → PUSH, 1 → single / text, 1001 → NOT_FRIENDS. */
function nameOf(key: 'cmd' | 'convType' | 'msgType' | 'code', code: number): string | number {
  switch (key) {
    case 'cmd':
      return cmdNames.has(code) ? cmdName(code) : code;
    case 'convType':
      return CONV_NAMES.get(code) ?? code;
    case 'msgType':
      return msgNames.has(code) ? msgTypeName(code).toLowerCase() : code;
    case 'code':
      return code === 0 ? 'OK' : errorNames.has(code) ? errorName(code) : code;
  }
}

const cmdNames = new Set<number>(Object.values(CmdType));
const msgNames = new Set<number>(Object.values(MsgType));
const errorNames = new Set<number>(Object.values(ErrorCode));

/** The position of a key whose numbers have names, as the loader resolves them (load-names.ts). */
function namedKey(key: string, parentKey: string | undefined): 'cmd' | 'convType' | 'msgType' | 'code' | undefined {
  if (key === 'cmd') return parentKey === 'header' ? 'cmd' : undefined;
  if (key === 'code') return parentKey === 'content' ? 'code' : undefined;
  return key === 'convType' || key === 'msgType' ? key : undefined;
}

function nameValue(key: 'cmd' | 'convType' | 'msgType' | 'code', value: unknown): unknown {
  if (typeof value === 'number') return nameOf(key, value);
  if (isOperatorNode(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([op, v]) => [op, op === '$in' && Array.isArray(v) ? v.map((x) => nameValue(key, x)) : op === '$ne' ? nameValue(key, v) : v]),
    );
  }
  return value;
}

function named(value: unknown, parentKey: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => named(v, undefined));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (key === '$contains') return [key, named(v, undefined)];
      if (key.startsWith('$')) return [key, v];
      const table = namedKey(key, parentKey);
      return [key, table === undefined ? named(v, key) : nameValue(table, v)];
    }),
  );
}

/**
 * A normalized matcher as a person wrote it, for the `expected` of a failure: numbers in named
 * positions become names again (`header.cmd` 20 → `PUSH`, `convType` 1 → `single`, `msgType`,
 * `content.code` → `NOT_FRIENDS`), and a `header` holding only `cmd` is the `cmd:` shorthand again.
 * `frame`: the matcher is against a whole frame (a reply content or HTTP data otherwise).
 */
export function displayMatcher(matcher: Matcher, frame = false): Matcher {
  const shown = named(matcher, undefined);
  if (!frame || !isPlainObject(shown) || !isPlainObject(shown.header)) return shown;
  const { header, ...rest } = shown;
  if (Object.keys(header).length !== 1 || !('cmd' in header) || 'cmd' in rest) return shown;
  return { cmd: header.cmd, ...rest };
}

// ---- comparison ------------------------------------------------------------------------------

const join = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

function scalarEquals(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  // A msgId is a decimal string; a template or YAML may give it as a number, and vice versa.
  const loose = (v: unknown) => typeof v === 'number' || typeof v === 'string';
  return loose(actual) && loose(expected) && typeof actual !== typeof expected && String(actual) === String(expected);
}

function toOrderable(v: unknown): number | bigint | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return v.length > 15 ? BigInt(v) : Number(v);
  return undefined;
}

function order(actual: unknown, bound: unknown): number | undefined {
  const a = toOrderable(actual);
  const b = toOrderable(bound);
  if (a === undefined || b === undefined) return undefined;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = typeof a === 'bigint' ? a : BigInt(Math.trunc(a));
    const y = typeof b === 'bigint' ? b : BigInt(Math.trunc(b));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a - b;
}

function operator(op: string, arg: unknown, actual: unknown, path: string, out: Comparison): void {
  out.total++;
  let ok: boolean;
  let note: string | undefined;
  switch (op) {
    case '$exists':
      ok = (actual !== undefined) === Boolean(arg);
      break;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const c = order(actual, arg);
      ok = c !== undefined && (op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0);
      break;
    }
    case '$ne':
      ok = compare(actual, arg).mismatches.length > 0;
      break;
    case '$regex':
      try {
        ok = typeof actual === 'string' && new RegExp(String(arg)).test(actual);
      } catch {
        ok = false;
        note = `invalid $regex ${JSON.stringify(arg)}`;
      }
      break;
    case '$in':
      ok = Array.isArray(arg) && arg.some((candidate) => compare(actual, candidate).mismatches.length === 0);
      break;
    case '$contains':
      ok = Array.isArray(actual) && actual.some((element) => compare(element, arg).mismatches.length === 0);
      if (!ok && Array.isArray(actual)) {
        if (actual.length === 0) note = 'the list is empty';
        else return containsMiss(actual, arg, path, out);
      }
      break;
    case '$len': {
      const length = Array.isArray(actual) || typeof actual === 'string' ? actual.length : undefined;
      ok = length !== undefined && compare(length, arg).mismatches.length === 0;
      if (!ok && length !== undefined) note = `length is ${length}`;
      break;
    }
    default:
      ok = false;
      note = `unknown operator ${op} (known: ${MATCH_OPERATORS.join(', ')})`;
  }
  if (ok) out.passed++;
  else out.mismatches.push(note === undefined ? { path, expected: { [op]: arg }, actual } : { path, expected: { [op]: arg }, actual, note });
}

/**
 * A `$contains` no element satisfies: the element that came closest, field by field, with full
 * paths (`content.messages[1].content.text`). The list itself, clipped, would name neither the
 * element nor the field.
 */
function containsMiss(list: readonly unknown[], arg: unknown, path: string, out: Comparison): void {
  let best = { index: 0, result: compare(list[0], arg) };
  list.forEach((element, index) => {
    const result = compare(element, arg);
    if (result.passed > best.result.passed) best = { index, result };
  });
  const at = join(path, best.index);
  const note = `$contains: no element of ${path === '' ? 'the list' : path} matches; [${best.index}] of ${list.length} comes closest`;
  out.total++;
  for (const m of best.result.mismatches) {
    const inner = m.path === '' ? at : m.path.startsWith('[') ? `${at}${m.path}` : `${at}.${m.path}`;
    out.mismatches.push({ ...m, path: inner, note: m.note === undefined ? note : `${m.note}; ${note}` });
  }
}

/** `content has: text, url` — what an object holds, for a field that is not there. */
function keysNote(parent: string, value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  const shown = keys.length > 12 ? [...keys.slice(0, 12), '…'] : keys;
  return keys.length === 0 ? `${parent || 'the value'} is empty` : `${parent || 'the value'} has: ${shown.join(', ')}`;
}

function walk(actual: unknown, expected: unknown, path: string, out: Comparison): void {
  if (isOperatorNode(expected)) {
    for (const [op, arg] of Object.entries(expected)) operator(op, arg, actual, path, out);
    return;
  }
  if (isPlainObject(expected)) {
    const entries = Object.entries(expected);
    if (!isPlainObject(actual)) {
      out.total += Math.max(1, entries.length);
      out.mismatches.push({ path, expected, actual });
      return;
    }
    for (const [key, value] of entries) {
      const before = out.mismatches.length;
      walk(actual[key], value, join(path, key), out);
      if (key in actual) continue;
      // "got nothing" alone hides what is there: a misspelt or misplaced field.
      for (const m of out.mismatches.slice(before)) if (m.actual === undefined && m.note === undefined) m.note = keysNote(path, actual);
    }
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.total += Math.max(1, expected.length);
      const note = Array.isArray(actual) ? `expected ${expected.length} element(s), got ${actual.length}` : undefined;
      out.mismatches.push(note === undefined ? { path, expected, actual } : { path, expected, actual, note });
      return;
    }
    expected.forEach((value, i) => walk(actual[i], value, join(path, i), out));
    return;
  }
  out.total++;
  if (scalarEquals(actual, expected)) out.passed++;
  else out.mismatches.push({ path, expected, actual });
}

/** Compares `actual` against a normalized matcher (see normalizeMatcher / frameMatcher). */
export function compare(actual: unknown, matcher: Matcher): Comparison {
  const out: Comparison = { total: 0, passed: 0, mismatches: [] };
  walk(actual, matcher, '', out);
  return out;
}

export const matches = (actual: unknown, matcher: Matcher): boolean => compare(actual, matcher).mismatches.length === 0;
