import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MsgType } from '../../../protocol/codes.js';
import type { Content, Stamp } from '../../../protocol/frames.js';
import type { SessionTokens } from '../../auth/session-tokens.js';
import type { ServerConfig } from '../../config.js';
import type { Domain } from '../../domain/domain.js';
import { err } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { MessageStore } from '../../store/message-store.js';
import type { Bus } from '../../sync/bus.js';
import { createAuthenticator } from './auth.js';
import { readJsonBody } from './body.js';
import { conversationRoutes } from './conversation-routes.js';
import { Router, mount, type Endpoint, type Reply } from './endpoint.js';
import { replyError, replyOk } from './envelope.js';
import { friendRoutes } from './friend-routes.js';
import { groupAdminRoutes } from './group-admin-routes.js';
import { groupRoutes } from './group-routes.js';
import { opsRoutes } from './ops-routes.js';
import { systemRoutes } from './system-routes.js';
import { userRoutes } from './user-routes.js';

/** The HTTP API of PROTOCOL.md §2 lives under this prefix; /healthz and /metrics at the root. */
export const API_PREFIX = '/openapi/v1';

export interface HttpApiDeps {
  /** Accounts, friends and blocks, groups: every rule of those endpoints lives here. */
  domain: Domain;
  /** What the routes still read directly: /healthz and /conversation/list. */
  store: Pick<MessageStore, 'ping' | 'listConversations'>;
  /** /healthz asks it too: a node cut off from the others is not healthy. */
  bus: Pick<Bus, 'ping'>;
  /** Authenticates `user` endpoints. */
  tokens: SessionTokens;
  adminToken: string;
  config: Readonly<ServerConfig>;
  metrics: Metrics;
  logger: Logger;
  /** Sends a SYSTEM_CONVERSATION message through the pipeline (store, then delivery to online devices); resolves with the stamp (msgId, convId, seq, pts of the receiver, sendTime). Throws ImError. */
  systemSend(to: string, msgType: MsgType, content: Content): Promise<Stamp>;
}

function endpoints(deps: HttpApiDeps): Endpoint[] {
  const { store, config, domain } = deps;
  return [
    // createServer passes the config with the node id it holds; 0 for a config that never claimed one.
    ...opsRoutes({ ...deps, nodeId: config.nodeId ?? 0 }),
    ...mount(API_PREFIX, [
      ...userRoutes(domain),
      ...friendRoutes(domain),
      ...groupRoutes(domain),
      ...groupAdminRoutes(domain),
      ...conversationRoutes({ store }),
      ...systemRoutes({ accounts: domain.accounts, maxContentBytes: config.maxContentBytes, systemSend: deps.systemSend }),
    ]),
  ];
}

/** Path and query of a request; `//x` stays a path rather than becoming a host. */
function target(req: IncomingMessage): URL {
  try {
    return new URL(`http://localhost${req.url ?? '/'}`);
  } catch {
    throw err.badFrame('the request URL is malformed');
  }
}

/**
 * The request handler for every non-upgrade request: route (404/405), authenticate (401/403),
 * read and parse the input (400/413), run the endpoint, answer with the JSON envelope. Every
 * failure goes through `replyError`, the one place errors become responses.
 */
export function createHttpApi(deps: HttpApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const router = new Router(endpoints(deps));
  const auth = createAuthenticator(deps.tokens, deps.adminToken, deps.config.metricsToken);

  async function run(req: IncomingMessage): Promise<Reply> {
    const url = target(req);
    const endpoint = router.find(req.method ?? 'GET', url.pathname);
    const { caller, token } = await auth.authenticate(endpoint.auth, req.headers);
    const input = endpoint.method === 'GET' ? Object.fromEntries(url.searchParams) : await readJsonBody(req, { maxDepth: deps.config.maxDepth });
    return endpoint.handle(input, caller, { address: req.socket.remoteAddress ?? '', token });
  }

  return (req, res) => {
    run(req)
      .then((reply) => replyOk(res, reply))
      .catch((e: unknown) => replyError(req, res, e, deps));
  };
}
