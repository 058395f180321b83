import type { RawData } from 'ws';
import { CmdType, MsgType, PROTOCOL_VERSION, type ConvType } from '../../protocol/codes.js';
import { LatencyHistogram } from '../histogram.js';
import { isCmd, PushCounter, wallNow } from './push-counter.js';
import type { BenchSocket } from './sockets.js';

/**
 * The message engine of every message workload: senders keep `window` SENDs unacknowledged,
 * recipients count PUSHes (push-counter.ts), on this thread or on receiver threads
 * (receiver-threads.ts), and each PUSH's end-to-end latency comes from the send time the message
 * itself carries.
 */

/** Where a round's PUSHes are counted. */
export interface PushReceivers {
  /** Starts counting into `run` (resolved once it does); calls `progressed` whenever its deliveries may have grown. */
  start(run: TrafficRun, progressed: () => void): void | Promise<void>;
  /** Stops counting; resolves once the run's deliveries, duplicates, latency and lastDeliveryAt are final. */
  stop(run: TrafficRun): Promise<void>;
}

/** PUSHes counted on this thread, as its sockets read them. */
export function localReceivers(sockets: readonly BenchSocket[]): PushReceivers {
  const listeners: (() => void)[] = [];
  return {
    start(run, progressed) {
      const counter = new PushCounter(sockets.length, run.latency);
      sockets.forEach((socket, r) => {
        const onMessage = (data: RawData) => {
          const delivered = counter.onFrame(r, data as Buffer);
          run.duplicates = counter.duplicates;
          if (!delivered) return;
          run.deliveries = counter.deliveries;
          run.lastDeliveryAt = counter.lastAt - performance.timeOrigin;
          progressed();
        };
        socket.ws.on('message', onMessage);
        listeners.push(() => socket.ws.off('message', onMessage));
      });
    },
    async stop() {
      for (const off of listeners.splice(0)) off();
    },
  };
}

export interface TrafficSender {
  /** Its own: acks are told apart by the socket they arrive on. */
  socket: BenchSocket;
  convType: ConvType;
  /** userId (one-to-one) or groupId. */
  to: string;
  /** How many recipients each of its messages has: 1 for a pair, members − 1 for a group. */
  recipients: number;
}

export interface TrafficSpec {
  senders: readonly TrafficSender[];
  /** Where PUSHes are counted: every socket that may receive one (senders' included, when they receive too). */
  receivers: PushReceivers;
  /** Messages per sender; ignored when durationS is set. */
  messages: number;
  window: number;
  /** When set, senders send until this many seconds have passed. */
  durationS?: number;
  /** A PUSH still missing this long after the last progress counts as lost. */
  stallMs?: number;
  /** Unique per round, so a server's clientMsgId dedupe never folds two rounds together. */
  round: string;
}

/** The live counters of a round; the progress bar reads them. */
export class TrafficRun {
  acked = 0;
  errors = 0;
  deliveries = 0;
  duplicates = 0;
  /** Deliveries the acked messages call for. */
  expected = 0;
  /** Deliveries the run will call for when every message is acked (for progress; an estimate with --duration). */
  plannedDeliveries = 0;
  readonly latency = new LatencyHistogram();
  startedAt = 0;
  endedAt = 0;
  /** performance.now() of the last new delivery (its thread's clock, converted). */
  lastDeliveryAt = 0;
}

const DEFAULT_STALL_MS = 10_000;

export function runTraffic(spec: TrafficSpec, run = new TrafficRun()): { run: TrafficRun; done: Promise<TrafficRun> } {
  const { senders, receivers, window } = spec;
  // An ack is matched to its sender by socket, not by reqId (which would cost a parse per frame).
  if (new Set(senders.map((s) => s.socket)).size !== senders.length) throw new Error('runTraffic: each sender needs a socket of its own');
  const stallMs = spec.stallMs ?? DEFAULT_STALL_MS;
  const bounded = spec.durationS === undefined;
  run.plannedDeliveries = bounded ? senders.reduce((n, s) => n + s.recipients * spec.messages, 0) : 0;
  const listeners: (() => void)[] = [];

  const done = new Promise<TrafficRun>((resolve) => {
    let sending = senders.length;
    let lastProgress = performance.now();
    let lastAckAt = 0;
    let stallTimer: NodeJS.Timeout | undefined;
    let ended = false;
    let deadline = Infinity;

    const finish = () => {
      if (ended) return;
      ended = true;
      clearInterval(stallTimer);
      for (const off of listeners) off();
      void receivers.stop(run).then(() => {
        // The last ack or PUSH, not the end of a stall wait: a loss must not dilute the rate.
        run.endedAt = Math.max(lastAckAt, run.lastDeliveryAt, run.startedAt);
        resolve(run);
      });
    };
    const check = () => {
      lastProgress = performance.now();
      if (sending === 0 && run.deliveries >= run.expected) finish();
    };

    // Sending starts once every receiver counts: a PUSH that came first would be lost.
    const go = () => {
      run.startedAt = performance.now();
      if (!bounded) deadline = run.startedAt + spec.durationS! * 1000;
      senders.forEach((sender, s) => {
        const { ws } = sender.socket;
        let next = 0;
        let inFlight = 0;
        let finished = false;
        const head = `{"header":{"version":${PROTOCOL_VERSION},"cmd":${CmdType.SEND},"reqId":"`;
        const route = `"},"route":{"convType":${sender.convType},"msgType":${MsgType.TEXT},"to":${JSON.stringify(sender.to)}},"content":{"text":"bench","bench":[${s},`;
        const control = `]},"control":{"clientMsgId":"${spec.round}-${s}-`;
        const sendOne = () => {
          const n = next++;
          inFlight++;
          ws.send(`${head}${n}${route}${n},${wallNow().toFixed(3)}${control}${n}"}}`);
        };
        const more = () => (bounded ? next < spec.messages : performance.now() < deadline);
        const onMessage = (data: RawData) => {
          const frame = data as Buffer;
          const acked = isCmd(frame, CmdType.SEND_ACK);
          if (!acked && !isCmd(frame, CmdType.ERROR)) return;
          inFlight--;
          lastAckAt = performance.now();
          if (acked) {
            run.acked++;
            run.expected += sender.recipients;
          } else {
            run.errors++;
          }
          if (more()) sendOne();
          else if (inFlight === 0 && !finished) {
            finished = true;
            sending--;
          }
          check();
        };
        ws.on('message', onMessage);
        listeners.push(() => ws.off('message', onMessage));
        const first = bounded ? Math.min(window, spec.messages) : window;
        if (first === 0) {
          finished = true;
          sending--;
        }
        for (let i = 0; i < first; i++) sendOne();
      });
      if (sending === 0) finish();
    };
    void Promise.resolve(receivers.start(run, check)).then(go);

    // What never comes is lost: stop waiting when nothing has moved for stallMs.
    stallTimer = setInterval(() => {
      if (performance.now() - lastProgress > stallMs) finish();
    }, Math.min(1000, stallMs));
    stallTimer.unref();
  });
  return { run, done };
}

/** The seconds a finished round measured: first SEND to last ack or PUSH. */
export const secondsOf = (run: TrafficRun): number => Math.max(1e-6, (run.endedAt - run.startedAt) / 1000);
