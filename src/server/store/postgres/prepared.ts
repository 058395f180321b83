import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/**
 * Every query of this adapter as a named prepared statement: PostgreSQL then plans each text once
 * per connection instead of on every call. Planning the one-to-one filter's lookup costs five
 * times its execution, so unnamed statements spent most of the database's CPU on plans.
 *
 * The texts are constant (values always travel as parameters), so the names stay few; past
 * MAX_NAMED distinct texts (a bug that builds text) queries run unnamed rather than fill every
 * connection with statements.
 */
const MAX_NAMED = 500;
const names = new Map<string, string>();

export function prepared(text: string, values: readonly unknown[]): QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= MAX_NAMED) return { text, values: [...values] };
    name = `im_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return { name, text, values: [...values] };
}

/** `target` with `query` replaced: every other member is the target's own (methods bound to it). */
export function withQuery<T extends object>(target: T, query: (...args: unknown[]) => unknown): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop === 'query') return query;
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** `target.query(text, values)` calls made into named ones; any other call shape is passed as it is. */
export function namedQueries<T extends { query: (...args: never[]) => unknown }>(target: T): (...args: unknown[]) => unknown {
  const query = target.query as unknown as (...args: unknown[]) => unknown;
  return (...args: unknown[]) => {
    const [text, values, ...rest] = args;
    // Statements without parameters (BEGIN, COMMIT, DDL) run as simple queries, as before.
    if (typeof text !== 'string' || rest.length > 0 || !Array.isArray(values)) return query.apply(target, args);
    return query.call(target, prepared(text, values));
  };
}
