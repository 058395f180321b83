import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from '../../src/server/auth/passwords.js';
import { ConfigError, resolveConfig } from '../../src/server/config.js';

describe('passwords (scrypt)', () => {
  it('stores the cost with the hash, so hashes of any cost verify', async () => {
    const strong = await hashPassword('correct horse');
    const cheap = await hashPassword('correct horse', 1024);
    expect(strong.split('$')[1]).toBe(String(DEFAULT_SCRYPT_COST));
    expect(cheap.split('$')[1]).toBe('1024');
    expect(await verifyPassword('correct horse', strong)).toBe(true);
    expect(await verifyPassword('correct horse', cheap)).toBe(true);
    expect(await verifyPassword('correct horsE', cheap)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('pw', 1024)).not.toBe(await hashPassword('pw', 1024));
  });

  it('refuses a cost that is not a power of two', () => {
    expect(() => resolveConfig({ scryptCost: 1000 })).toThrow(ConfigError);
    expect(resolveConfig({ scryptCost: 2048 }).scryptCost).toBe(2048);
  });
});
