import type { Bus, BusEvent } from './bus.js';

/**
 * The in-process bus: delivery is synchronous, so events reach subscribers in exactly the order
 * they were published (the pts order of commits on this node). A subscription is live as soon as
 * `subscribe` is called; the promise only fits the port.
 */
export class MemoryBus implements Bus {
  private handlers = new Set<(event: BusEvent) => void>();

  publish(event: BusEvent): void {
    for (const h of this.handlers) h(event);
  }

  subscribe(handler: (event: BusEvent) => void): Promise<() => Promise<void>> {
    // A fresh wrapper per call, so subscribing one function twice gives two independent subscriptions.
    const entry = (event: BusEvent) => handler(event);
    this.handlers.add(entry);
    return Promise.resolve(async () => {
      this.handlers.delete(entry);
    });
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
