import { afterEach } from 'vitest';
import { LoginThrottle, type LoginThrottleLimits } from '../../src/server/auth/login-throttle.js';
import { SessionTokens } from '../../src/server/auth/session-tokens.js';
import { TokenSigner } from '../../src/server/auth/tokens.js';
import { createDomain, type Domain } from '../../src/server/domain/domain.js';
import { ImError } from '../../src/server/errors.js';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store.js';
import type { BusEvent } from '../../src/server/sync/bus.js';
import { MemoryBus } from '../../src/server/sync/memory-bus.js';
import { localBuckets } from '../../src/server/filter/rate-limiter.js';

export interface DomainFixture {
  domain: Domain;
  store: SqliteStore;
  /** The tokens the domain issues and revokes. */
  tokens: SessionTokens;
  /** Every event the domain published, in order; `clear()` it between steps. */
  events: BusEvent[];
  /** Creates users straight in the store (no scrypt): these tests are about rules. */
  users(...userIds: string[]): Promise<void>;
}

/** The domain over a real SqliteStore(':memory:') and a real MemoryBus; closed after each test. */
export function useDomain(options: { logins?: LoginThrottleLimits } = {}): () => Promise<DomainFixture> {
  const opened: SqliteStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  return async () => {
    const store = SqliteStore.open(':memory:');
    opened.push(store);
    const bus = new MemoryBus();
    const events: BusEvent[] = [];
    await bus.subscribe((e) => {
      events.push(e);
    });
    const now = () => Date.now();
    const limits = options.logins ?? { perAccount: { burst: 100, perSecond: 1 }, perAddress: { burst: 100, perSecond: 1 } };
    const tokens = new SessionTokens(new TokenSigner('domain-test-secret', 60_000, now), store);
    const domain = createDomain({
      store,
      bus,
      tokens,
      logins: new LoginThrottle(limits, localBuckets(now)),
      scryptCost: 1024,
    });
    const users = async (...userIds: string[]) => {
      for (const userId of userIds) await store.createUsers([{ userId, passwordHash: 'unused', nickname: userId }]);
    };
    return { domain, store, tokens, events, users };
  };
}

/** The ImError code `promise` rejects with (fails when it resolves or rejects with something else). */
export async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ImError) return e.code;
    throw e;
  }
  throw new Error('expected an ImError, but the call succeeded');
}
