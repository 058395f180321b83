/** What delivery needs of a live connection; the gateway's connections implement it. */
export interface DeliveryTarget {
  readonly connId: string;
  readonly userId: string;
  readonly deviceId: string;
  /** Hash of the token the connection authenticated with. */
  readonly tokenHash: string;
  /** Writes one text frame; `cmd` is for metrics only. */
  send(text: string, cmd: number): void;
  /** Sends KICK with the reason, then closes with 4001. */
  kick(reason: string): void;
  /** Closes with 4003: the connection's token was revoked. */
  revoke(reason: string): void;
}

/** Told when a user gets a first device on this node and when their last one leaves. */
export interface PresenceObserver {
  /** `devices` is the registry's own live map of the user's connections, valid until `left`. */
  arrived(userId: string, devices: ReadonlyMap<string, DeliveryTarget>): void;
  left(userId: string): void;
}

/** The connections on this node, by connection and by user. */
export class SessionRegistry {
  private readonly byConn = new Map<string, DeliveryTarget>();
  private readonly byUser = new Map<string, Map<string, DeliveryTarget>>();
  private observer: PresenceObserver | undefined;

  /** One observer (the node's Deliverer); told at once about the users already here. */
  observe(observer: PresenceObserver): void {
    this.observer = observer;
    for (const [userId, devices] of this.byUser) observer.arrived(userId, devices);
  }

  add(t: DeliveryTarget): void {
    this.byConn.set(t.connId, t);
    let devices = this.byUser.get(t.userId);
    if (!devices) {
      this.byUser.set(t.userId, (devices = new Map()));
      devices.set(t.connId, t);
      this.observer?.arrived(t.userId, devices);
      return;
    }
    devices.set(t.connId, t);
  }

  remove(t: DeliveryTarget): void {
    if (this.byConn.get(t.connId) !== t) return;
    this.byConn.delete(t.connId);
    const devices = this.byUser.get(t.userId);
    devices?.delete(t.connId);
    if (devices?.size === 0) {
      this.byUser.delete(t.userId);
      this.observer?.left(t.userId);
    }
  }

  conn(connId: string): DeliveryTarget | undefined {
    return this.byConn.get(connId);
  }

  /** The user's connections on this node (one per device). */
  devices(userId: string): Iterable<DeliveryTarget> {
    return this.byUser.get(userId)?.values() ?? [];
  }

  /** The users with a connection on this node, each once. */
  users(): IterableIterator<string> {
    return this.byUser.keys();
  }

  /** How many users have a connection on this node. */
  get userCount(): number {
    return this.byUser.size;
  }

  get size(): number {
    return this.byConn.size;
  }

  all(): IterableIterator<DeliveryTarget> {
    return this.byConn.values();
  }
}
