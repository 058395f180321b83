/** What the bench's main thread and its receiver threads say to each other (receiver-threads.ts). */
export type ToReceiver = { type: 'start' } | { type: 'stop' } | { type: 'close' };

export type FromReceiver =
  | { type: 'opening'; opened: number }
  | { type: 'opened'; opened: number; errors: number; firstError?: string }
  | { type: 'started' }
  | { type: 'progress'; deliveries: number; duplicates: number; lastAt: number }
  | { type: 'final'; deliveries: number; duplicates: number; lastAt: number; latency: string; busyPercent: number };
