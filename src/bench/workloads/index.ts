import { ConvType } from '../../protocol/codes.js';
import type { WorkloadName } from '../types.js';
import { connectWorkload, idleWorkload } from './connections.js';
import type { Workload } from './context.js';
import { groupWorkload, pairsWorkload } from './messages.js';

/** Each workload's code; `latency` is `pairs` with its own sizes (window 1). */
export const WORKLOAD_RUNNERS: Record<WorkloadName, Workload> = {
  pairs: pairsWorkload,
  group: groupWorkload(ConvType.GROUP),
  million: groupWorkload(ConvType.MILLION_GROUP),
  chatroom: groupWorkload(ConvType.CHATROOM),
  latency: pairsWorkload,
  connect: connectWorkload,
  idle: idleWorkload,
};
