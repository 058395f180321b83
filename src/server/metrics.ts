/**
 * A small Prometheus registry: counters and gauges with labels, and histograms. Enough for
 * /metrics without a dependency; names follow Prometheus conventions (`_total`, `_seconds`).
 */
type Labels = Record<string, string | number>;

// Hot path (every frame): label sets are keyed as written, without sorting or escaping; render
// time does that work once per scrape.
const key = (labels: Labels): string => {
  let out = '';
  for (const k in labels) out += `${out ? '\u0000' : ''}${k}\u0001${labels[k]}`;
  return out;
};

const renderKey = (raw: string): string =>
  raw
    .split('\u0000')
    .map((pair) => {
      const [k, v = ''] = pair.split('\u0001');
      return `${k}="${v.replace(/["\\\n]/g, '\\$&')}"`;
    })
    .join(',');

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract lines(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join('\n');
  }
}

export class Counter extends Metric {
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string, type: 'counter' | 'gauge' = 'counter') {
    super(name, help, type);
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(labels: Labels, value: number): void {
    this.values.set(key(labels), value);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
  lines(): string[] {
    if (this.values.size === 0 && this.type === 'gauge') return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => (k ? `${this.name}{${renderKey(k)}} ${v}` : `${this.name} ${v}`));
  }
}

export class Histogram extends Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    name: string,
    help: string,
    private readonly buckets: readonly number[],
  ) {
    super(name, help, 'histogram');
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] ?? Infinity)) this.counts[i]! += 1;
  }
  lines(): string[] {
    return [
      ...this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

export class Metrics {
  readonly connections = new Counter('im_connections', 'Open WebSocket connections on this node', 'gauge');
  readonly connectionsTotal = new Counter('im_connections_total', 'WebSocket connections accepted');
  readonly framesIn = new Counter('im_frames_in_total', 'Frames received, by cmd');
  readonly framesOut = new Counter('im_frames_out_total', 'Frames sent, by cmd');
  readonly messagesStored = new Counter('im_messages_stored_total', 'Messages committed, by conversation type');
  readonly errors = new Counter('im_errors_total', 'Errors answered, by code');
  readonly storeCommit = new Histogram(
    'im_store_commit_seconds',
    'Latency of one store commit (a batch of messages)',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  readonly storeBatch = new Histogram('im_store_batch_size', 'Messages per store commit', [1, 2, 5, 10, 25, 50, 100, 250, 512]);
  readonly pushOrder = new Counter(
    'im_push_order_total',
    'Pushes out of pts order on this node: held behind a gap, filled from the store after the bound, or skipped (left to SYNC)',
  );

  render(): string {
    const all: Metric[] = [
      this.connections,
      this.connectionsTotal,
      this.framesIn,
      this.framesOut,
      this.messagesStored,
      this.errors,
      this.storeCommit,
      this.storeBatch,
      this.pushOrder,
    ];
    return `${all.map((m) => m.render()).join('\n')}\n`;
  }
}
