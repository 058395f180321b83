import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// N=2^14, r=8, p=1: the scrypt parameters OWASP lists as the minimum; ~30 ms on this class of
// machine, off the event loop (libuv thread pool).
export const DEFAULT_SCRYPT_COST = 16384;
const PARAMS: ScryptOptions = { N: DEFAULT_SCRYPT_COST, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;

function derive(password: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LEN, params, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

/**
 * `scrypt$N$r$p$salt$hash` (base64url), so parameters can change without breaking old hashes.
 * `cost` (N, a power of two) is lowered only for throwaway servers, e.g. a scenario run's.
 */
export async function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const params = { ...PARAMS, N: cost };
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
