import type { Bus, BusEvent } from './bus.js';

/**
 * The in-process bus: delivery is synchronous, so events reach subscribers in exactly the order
 * they were published (the pts order of commits on this node).
 */
export class MemoryBus implements Bus {
  private handlers = new Set<(event: BusEvent) => void>();

  publish(event: BusEvent): void {
    for (const h of this.handlers) h(event);
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
