/**
 * The server nodes a run talks to: one (the embedded server, or `--server URL`), several
 * (`--server URL1,URL2,…`), or a cluster the run started itself (`--cluster N`), which alone
 * can be killed and restarted. Nodes are numbered from 1 in files and reports, from 0 here.
 */

/** What a run may do to nodes it started itself. */
export interface NodeControl {
  /** SIGKILL: no goodbye to its clients, no lease released. */
  kill(index: number): Promise<void>;
  /** Starts it again on the same port; resolves once it answers. */
  restart(index: number): Promise<void>;
}

export class RunNodes {
  readonly #down = new Set<number>();

  constructor(
    readonly urls: readonly string[],
    readonly control?: NodeControl,
  ) {
    if (urls.length === 0) throw new Error('a run needs at least one node');
  }

  get count(): number {
    return this.urls.length;
  }

  /** Several nodes: frames and reports name the node, and pins in the file apply. */
  get several(): boolean {
    return this.urls.length > 1;
  }

  url(index: number): string {
    const url = this.urls[index];
    if (url === undefined) throw new Error(`node ${index + 1} does not exist (this run has ${this.count})`);
    return url;
  }

  isDown(index: number): boolean {
    return this.#down.has(index);
  }

  markDown(index: number): void {
    this.#down.add(index);
  }

  markUp(index: number): void {
    this.#down.delete(index);
  }

  /**
   * Where a device whose own node is `home` connects now: its own node, or — while that one is
   * down — the next live one, as a client of a real cluster would fail over.
   */
  pick(home: number): number {
    for (let i = 0; i < this.count; i++) {
      const index = (home + i) % this.count;
      if (!this.#down.has(index)) return index;
    }
    return home;
  }

  /**
   * Each device's own node: round-robin over the devices in the order given, skipping pinned
   * ones, which keep their pin (1-based in `pins`). A pin past the last node is an error naming
   * it; with one node every device is on it and pins do not matter.
   */
  assign(devices: readonly { label: string; pin?: { node: number; where: string } }[]): number[] {
    if (!this.several) return devices.map(() => 0);
    let next = 0;
    return devices.map(({ label, pin }) => {
      if (pin === undefined) return next++ % this.count;
      if (pin.node > this.count) {
        throw new Error(`${label} is pinned to node ${pin.node} (${pin.where}), but this run has ${this.count} nodes: pin it to 1..${this.count}, or give more`);
      }
      return pin.node - 1;
    });
  }
}
