import { ImHttp } from '../client/index.js';
import { createServer, type ImServer } from '../server/create-server.js';

export interface EmbeddedChatServer {
  server: ImServer;
  /** The password every user was registered with. */
  password: string;
}

/**
 * `im chat --embedded`: a throwaway server in this process (SQLite :memory:), the given users
 * registered with one password and every pair befriended, so `/dm` works from the first key.
 */
export async function startEmbeddedServer(userIds: readonly string[], password: string): Promise<EmbeddedChatServer> {
  // Silent: log lines would tear through the ink screen; a cheap hash: these accounts are throwaway.
  const server = await createServer({ port: 0, host: '127.0.0.1', db: ':memory:', logLevel: 'silent', scryptCost: 1024 });
  try {
    const http = new ImHttp(server.httpUrl);
    const tokens = new Map<string, ImHttp>();
    for (const userId of userIds) {
      await http.register(userId, password);
      tokens.set(userId, http.withToken((await http.login(userId, password)).token));
    }
    for (const [i, a] of userIds.entries()) {
      for (const b of userIds.slice(i + 1)) {
        await tokens.get(a)?.friendAdd(b);
        await tokens.get(b)?.friendAdd(a);
      }
    }
    return { server, password };
  } catch (e) {
    await server.close();
    throw e;
  }
}
