import { suggestion, type LoadContext, type Path } from './load-context.js';
import { CLOSE_CODE_NAMES, CMD_NAMES, CONV_TYPE_NAMES, ERROR_NAMES, MATCH_OPERATORS, MSG_TYPE_NAMES } from './surface.js';

/**
 * Names the protocol gives numbers to (convType, msgType, cmd, error codes), durations, and the
 * matchers that may hold them: everything the engine should only ever see as numbers.
 */

export interface NameTable {
  what: string;
  names: Readonly<Record<string, number>>;
}

export const CONV_TYPES: NameTable = { what: 'conversation type', names: CONV_TYPE_NAMES };
export const MSG_TYPES: NameTable = { what: 'message type', names: MSG_TYPE_NAMES };
export const CMDS: NameTable = { what: 'command', names: CMD_NAMES };
export const ERRORS: NameTable = { what: 'error', names: ERROR_NAMES };
export const CLOSE_CODES: NameTable = { what: 'close code', names: CLOSE_CODE_NAMES };

export const isTemplate = (v: unknown): boolean => typeof v === 'string' && v.includes('{{');

/** `single`, `SINGLE`, `Single` or `1` → 1; anything else is an error naming the valid names. */
export function resolveName(ctx: LoadContext, table: NameTable, value: unknown, path: Path): number {
  const codes = new Set(Object.values(table.names));
  if (typeof value === 'number' && codes.has(value)) return value;
  const code = typeof value === 'string' ? table.names[value.toLowerCase()] : undefined;
  if (code !== undefined) return code;
  // Suggest in the case the file uses: PUSHH → PUSH, grop → group.
  const upper = typeof value === 'string' && value === value.toUpperCase();
  const candidates = Object.keys(table.names).map((n) => (upper ? n.toUpperCase() : n));
  const hint = typeof value === 'string' ? suggestion(value, candidates) : '';
  const valid = hint || ` (valid: ${Object.keys(table.names).join(', ')})`;
  return ctx.fail(path, `unknown ${table.what} ${JSON.stringify(value)}${valid}`);
}

/** `250ms`, `2s`, `1m` or a number of ms (already shape-checked by the surface). */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  const n = Number(m?.[1]);
  return Math.round(m?.[2] === 'm' ? n * 60_000 : m?.[2] === 's' ? n * 1000 : n);
}

/** Keys whose values are resolved from names wherever they appear in a matcher. */
const NAMED_FIELDS: Readonly<Record<string, NameTable>> = { convType: CONV_TYPES, msgType: MSG_TYPES };

/** A frame matcher in wire shape: `cmd:` moves into `header.cmd`, names become numbers. */
export function normalizeFrameMatcher(ctx: LoadContext, value: unknown, path: Path): Record<string, unknown> {
  const m = normalizeMatcher(ctx, value ?? {}, path) as Record<string, unknown>;
  if (!('cmd' in m)) return m;
  const { cmd, header = {}, ...rest } = m as { cmd: unknown; header?: Record<string, unknown> };
  if ('cmd' in header) ctx.fail([...path, 'cmd'], 'give cmd once: either cmd: or header.cmd:');
  return { header: { ...header, cmd: resolveField(ctx, CMDS, cmd, [...path, 'cmd']) }, ...rest };
}

/**
 * Checks operators (`$gt`, `$in`, …: known names, never mixed with plain keys, valid regexes) and
 * resolves names in `convType`, `msgType`, `header.cmd` (and the `cmd` shorthand) and
 * `content.code`, including inside `$in` / `$ne`. Templates are left for the engine.
 */
export function normalizeMatcher(ctx: LoadContext, value: unknown, path: Path, parentKey?: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => normalizeMatcher(ctx, v, [...path, i]));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.some(([k]) => k.startsWith('$'))) return operator(ctx, entries, path, undefined);
  return Object.fromEntries(
    entries.map(([key, v]) => {
      const table = namedField(key, parentKey);
      return [key, table ? resolveField(ctx, table, v, [...path, key]) : normalizeMatcher(ctx, v, [...path, key], key)];
    }),
  );
}

function namedField(key: string, parentKey: string | undefined): NameTable | undefined {
  if (key === 'cmd') return parentKey === 'header' ? CMDS : undefined;
  if (key === 'code') return parentKey === 'content' ? ERRORS : undefined;
  return NAMED_FIELDS[key];
}

/** A value in a named position: a name, a number, a template, or an operator over those. */
function resolveField(ctx: LoadContext, table: NameTable, value: unknown, path: Path): unknown {
  if (isTemplate(value) || typeof value === 'boolean') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return operator(ctx, Object.entries(value), path, table);
  return resolveName(ctx, table, value, path);
}

/** An operator map: one or more `$` keys, all of which must hold (`{ $gte: 1, $lte: 5 }`). */
function operator(ctx: LoadContext, entries: [string, unknown][], path: Path, table: NameTable | undefined): unknown {
  const plain = entries.find(([k]) => !k.startsWith('$'));
  if (plain) ctx.fail(path, `operators cannot share a map with plain keys: "${plain[0]}" next to ${entries.filter(([k]) => k.startsWith('$')).map(([k]) => k).join(', ')}`);
  return Object.fromEntries(entries.map(([op, operand]) => [op, operatorArgument(ctx, op, operand, [...path, op], table)]));
}

function operatorArgument(ctx: LoadContext, op: string, operand: unknown, at: Path, table: NameTable | undefined): unknown {
  if (!(MATCH_OPERATORS as readonly string[]).includes(op)) {
    ctx.fail(at.slice(0, -1), `unknown operator "${op}"${suggestion(op, MATCH_OPERATORS) || ` (valid: ${MATCH_OPERATORS.join(', ')})`}`);
  }
  if (op === '$regex') checkRegex(ctx, operand, at);
  if (op === '$contains') return normalizeMatcher(ctx, operand, at);
  if (table && op === '$in') {
    if (!Array.isArray(operand)) ctx.fail(at, '$in takes a list');
    return operand.map((v, i) => resolveField(ctx, table, v, [...at, i]));
  }
  if (table && op === '$ne') return resolveField(ctx, table, operand, at);
  return operand;
}

function checkRegex(ctx: LoadContext, pattern: unknown, path: Path): void {
  if (typeof pattern !== 'string') ctx.fail(path, '$regex takes a string');
  try {
    new RegExp(pattern);
  } catch (e) {
    ctx.fail(path, `bad regular expression: ${(e as Error).message}`);
  }
}
