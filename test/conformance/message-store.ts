import { describe } from 'vitest';
import { describeAccounts } from './accounts.js';
import type { StoreFactory } from './fixtures.js';
import { describeAppend } from './messages.js';
import { describeReads } from './reads.js';

export type { StoreFactory } from './fixtures.js';

/**
 * The MessageStore port's conformance suite: every adapter runs it with a factory that returns
 * a fresh, empty store (each test gets its own and closes it). The tests state the port's
 * guarantees (message-store.ts TSDoc, PROTOCOL.md §1, §4, §6) as behaviour.
 */
export function describeMessageStore(name: string, factory: StoreFactory): void {
  describe(`MessageStore conformance: ${name}`, () => {
    describe('accounts, social graph and groups', () => describeAccounts(factory));
    describe('appendMessages', () => describeAppend(factory));
    describe('reads', () => describeReads(factory));
  });
}
