import { ErrorCode } from '../../../protocol/codes.js';
import { ImError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { MessageStore } from '../../store/message-store.js';
import type { Bus } from '../../sync/bus.js';
import { TextReply, get, type Endpoint } from './endpoint.js';

export interface OpsRouteDeps {
  store: Pick<MessageStore, 'ping'>;
  bus: Pick<Bus, 'ping'>;
  metrics: Metrics;
  logger: Logger;
  nodeId: number;
}

/**
 * GET /healthz (200 while the store and the bus answer, else 503) and GET /metrics (Prometheus
 * text; behind the metrics token when the server has one).
 */
export function opsRoutes({ store, bus, metrics, logger, nodeId }: OpsRouteDeps): Endpoint[] {
  async function healthz() {
    for (const [part, ping] of [['store', () => store.ping()], ['bus', () => bus.ping()]] as const) {
      try {
        await ping();
      } catch (e) {
        logger.warn(`health check: the ${part} does not answer`, { err: e });
        throw new ImError(ErrorCode.UNAVAILABLE, `the ${part} does not answer`);
      }
    }
    return { status: 'ok', nodeId };
  }

  const render = async () => new TextReply('text/plain; version=0.0.4; charset=utf-8', metrics.render());

  return [get('/healthz', 'public', healthz), get('/metrics', 'metrics', render)];
}
