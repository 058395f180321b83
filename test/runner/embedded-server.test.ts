import { describe, expect, it } from 'vitest';
import { startEmbeddedServer } from '../../src/runner/embedded-server.js';
import { embeddedServerOptions } from '../../src/runner/run.js';
import { parseScenario } from '../../src/runner/load.js';

/** A scenario's throwaway server runs in a worker thread of the runner's process. */
describe('embedded server (worker thread)', () => {
  const scenario = parseScenario('name: x\nusers: { count: 1, prefix: u }\nsteps:\n  - pause: 1ms\n', 'x.yaml');

  it('serves on its URL with the admin token it reports, and stops listening once closed', async () => {
    const server = await startEmbeddedServer(embeddedServerOptions(scenario));
    const health = await fetch(`${server.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    const made = await fetch(`${server.httpUrl}/openapi/v1/system/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ users: [{ userId: 'alice' }] }),
    });
    expect(((await made.json()) as { code: number }).code).toBe(0);
    await server.close();
    await expect(fetch(`${server.httpUrl}/healthz`)).rejects.toThrow();
  });

  it('rejects with the server\'s own reason when it cannot start', async () => {
    const taken = await startEmbeddedServer(embeddedServerOptions(scenario));
    try {
      const port = Number(new URL(taken.httpUrl).port);
      await expect(startEmbeddedServer({ ...embeddedServerOptions(scenario), port })).rejects.toThrow(new RegExp(String(port)));
    } finally {
      await taken.close();
    }
  });
});
