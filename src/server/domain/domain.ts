import type { LoginThrottle } from '../auth/login-throttle.js';
import type { SessionTokens } from '../auth/session-tokens.js';
import type { MessageStore } from '../store/message-store.js';
import type { Bus } from '../sync/bus.js';
import { Accounts } from './accounts.js';
import { DomainEvents } from './events.js';
import { Groups } from './groups.js';
import { Social } from './social.js';

export interface DomainDeps {
  store: MessageStore;
  /** Every change of membership, role, mute, friendship or block is published here. */
  bus: Bus;
  tokens: SessionTokens;
  logins: LoginThrottle;
  /** scrypt N for new password hashes. */
  scryptCost: number;
}

/** The account, social and group operations, as the HTTP routes (and later other front doors) call them. */
export interface Domain {
  accounts: Accounts;
  social: Social;
  groups: Groups;
}

export function createDomain({ store, bus, tokens, logins, scryptCost }: DomainDeps): Domain {
  const events = new DomainEvents(bus);
  return {
    accounts: new Accounts({ store, events, tokens, logins, scryptCost }),
    social: new Social(store, events),
    groups: new Groups(store, events),
  };
}
