/**
 * The size and shape limits of PROTOCOL.md §3, shared by the server's decoder, its HTTP API and
 * the clients that want to refuse a frame before sending it. Each is configurable on the server.
 */

/** `content` over this many UTF-8 bytes of JSON is refused with 1002. */
export const DEFAULT_MAX_CONTENT_BYTES = 65_536;

/**
 * `options` (passed on in live PUSHes, never stored) over this many UTF-8 bytes of JSON is
 * refused with 1002. Capped on its own, and small, because every recipient gets a copy: a large
 * `options` would turn one small SEND into megabytes of fan-out.
 */
export const DEFAULT_MAX_OPTIONS_BYTES = 4096;

/**
 * Objects and arrays nested deeper than this, counted from the frame (or HTTP body) itself, are
 * refused with 1000. The frame is depth 1 and its `content` depth 2, so content keeps 30 levels.
 * Without a bound a tiny frame can make any recursive walk (JSON.stringify, a database's JSON
 * functions) overflow the stack.
 */
export const DEFAULT_MAX_DEPTH = 32;

/**
 * True when `value` nests objects/arrays deeper than `max`. Iterative, so the check itself cannot
 * overflow the stack however deep the input, and it stops at the first branch over the limit.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: object[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const node = pending.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        pending.push(child as object);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** UTF-8 bytes of `value` as JSON. Call only on values that passed `nestedDeeperThan`. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
