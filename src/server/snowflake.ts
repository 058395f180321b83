/**
 * Snowflake message ids (PROTOCOL.md §1): 41 bits of ms since 2024-01-01T00:00:00Z, 10 bits of
 * node id, 12 bits of sequence. Unique across nodes with distinct node ids; increasing on one
 * node; when the clock steps back the generator keeps counting on its last millisecond (and
 * borrows the next one when 4096 ids are used up) instead of ever repeating an id.
 */
export const SNOWFLAKE_EPOCH_MS = Date.UTC(2024, 0, 1);
export const MAX_NODE_ID = 1023;
const MAX_SEQUENCE = 4095;

export class Snowflake {
  private lastMs = -1;
  private sequence = 0;
  private readonly node: bigint;

  constructor(
    nodeId: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > MAX_NODE_ID) {
      throw new RangeError(`node id must be an integer 0-${MAX_NODE_ID}, got ${nodeId}`);
    }
    this.node = BigInt(nodeId);
  }

  /** The next id as a decimal string (64-bit values do not fit a JS number). */
  next(): string {
    let ms = this.now() - SNOWFLAKE_EPOCH_MS;
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      if (this.sequence === MAX_SEQUENCE) {
        ms += 1;
        this.sequence = 0;
      } else {
        this.sequence += 1;
      }
    } else {
      this.sequence = 0;
    }
    this.lastMs = ms;
    return ((BigInt(ms) << 22n) | (this.node << 12n) | BigInt(this.sequence)).toString();
  }
}
