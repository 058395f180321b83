import type { Control, StoredMessage } from '../../protocol/frames.js';

/**
 * The Bus port: how the node that committed a message tells every node (itself included) what
 * to deliver. A single node is a single-node cluster: delivery always goes through the bus.
 *
 * Guarantees: at-most-once; events from one publisher arrive in publish order. Durable history
 * is the store's job — whatever the bus loses, a SYNC returns (PROTOCOL.md §6.3).
 */
export interface Bus {
  /**
   * Hands the event on; never throws and never waits. An adapter that cannot deliver right now
   * (a networked bus while disconnected) drops the event: at-most-once, the store has it.
   */
  publish(event: BusEvent): void;
  /**
   * Registers the node's handler. Resolves once the subscription is live: every event published
   * after that (by any node) reaches `handler`, so a node that awaits it before accepting
   * connections misses nothing. Resolves with the unsubscribe function; once that has been called
   * the handler gets no further event, and its promise resolves when the adapter has let go.
   */
  subscribe(handler: (event: BusEvent) => void): Promise<() => Promise<void>>;
  /** Stops delivery to every handler and releases connections. */
  /** Resolves while the bus can carry events between nodes (for /healthz); rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A connection, addressed across the cluster. */
export interface ConnRef {
  nodeId: number;
  connId: string;
}

/** Who gets a copy of a message, and with which pts (absent for read diffusion / transient). */
export interface Recipient {
  userId: string;
  pts?: number;
}

export interface MessageEvent {
  kind: 'message';
  message: StoredMessage | TransientMessage;
  control: Control;
  options: Record<string, unknown>;
  /**
   * Write diffusion: each receiving user with their own pts. Named one by one because each pts
   * is made in the sender's transaction: no other node could look it up more cheaply.
   */
  recipients: Recipient[];
  /** Read diffusion and transient messages: who gets the push, without pts. */
  audience: Audience;
  /** The sending device: it gets the SEND_ACK (with the sender's pts), never a PUSH. */
  origin: ConnRef & { reqId?: string; senderPts?: number };
  /** Read-diffusion and CHATROOM messages reach online members only; flag kept for metrics. */
  transient: boolean;
}

/**
 * Who gets a push without pts: a short explicit list (a one-to-one or system conversation's
 * users), or a group by reference, which every node resolves against its own connections.
 */
export type Audience = readonly string[] | GroupAudience;

/**
 * A group's members, by reference: never the list itself, which for a big group would be most of
 * every event. `version` is the membership version the sending node read (GroupRecord);
 * a node holding the group's ids at an older version reads them again before resolving.
 */
export interface GroupAudience {
  groupId: string;
  version: number;
  /** The sender is left out (control.sync === false): their other devices get no copy. */
  exceptSender: boolean;
}

/** A message that was never stored: no seq, no pts (control.persist=false, TYPING). */
export type TransientMessage = Omit<StoredMessage, 'seq'> & { seq?: undefined };

export interface ReadEvent {
  kind: 'read';
  convId: string;
  userId: string;
  readSeq: number;
  /** Users whose devices get READ_NOTIFY; `except` is the requesting device. */
  notify: string[];
  except: ConnRef;
}

/** A connection opened for (userId, deviceId): any older one on any node is kicked. */
export interface SessionOpenedEvent {
  kind: 'session-opened';
  userId: string;
  deviceId: string;
  conn: ConnRef;
}

/** Tokens were revoked: one (logout, `tokenHash`) or all of the user's (password change). */
export interface TokensRevokedEvent {
  kind: 'tokens-revoked';
  userId: string;
  tokenHash?: string;
}

/** What changed in a group; `userIds` says whose membership, role or mute it was. */
export type GroupChange = 'created' | 'members-added' | 'members-removed' | 'role' | 'mute';

/**
 * A group's membership, a member's role or a member's mute changed (committed in the store).
 * Ids only, never the member list or the new state: a node that caches any of it (member ids
 * for fan-out, roles, mutes) drops its entry for `groupId` and reads it again when needed. The
 * bus may lose it: the fan-out cache does not rely on it alone (GroupAudience.version).
 * `userIds` are the users concerned: the owner and the first members (`created`), the users
 * actually added or removed (join, leave, add/remove members: never empty), the one whose role
 * or mute was set.
 */
export interface GroupChangedEvent {
  kind: 'group-changed';
  groupId: string;
  convId: string;
  change: GroupChange;
  userIds: string[];
}

/** What changed between two users: a friend request, friendship or its removal; a block or unblock. */
export type SocialChange = 'friend' | 'block';

/**
 * The friendship or the block between two users changed (committed in the store). Ids only: a
 * node that caches the pair's relation (the one-to-one filter's) drops it. `userIds[0]` is the
 * user who acted.
 */
export interface SocialChangedEvent {
  kind: 'social-changed';
  change: SocialChange;
  userIds: [string, string];
}

export type BusEvent = MessageEvent | ReadEvent | SessionOpenedEvent | TokensRevokedEvent | GroupChangedEvent | SocialChangedEvent;
