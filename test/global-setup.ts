import { ensureBuilt } from './helpers/spawn-server.js';

/**
 * Tests that spawn the real CLI run `dist/`; build it once, before any test file starts, so that
 * parallel files never race two compilers over the same output.
 */
export default async function setup(): Promise<void> {
  await ensureBuilt();
}
