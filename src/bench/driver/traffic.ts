import type { RawData } from 'ws';
import { CmdType, MsgType, PROTOCOL_VERSION, type ConvType } from '../../protocol/codes.js';
import { LatencyHistogram } from '../histogram.js';
import type { BenchSocket } from './sockets.js';

/**
 * The message engine of every message workload: senders keep `window` SENDs unacknowledged,
 * recipients count PUSHes, and each PUSH's end-to-end latency comes from the send time the
 * message itself carries. Raw strings on the hot path (a substring test, one slice), so the
 * driver stays cheap beside the server it measures.
 */

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
  /** Every socket that may receive a PUSH (senders' included, when they receive too). */
  receivers: readonly BenchSocket[];
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
}

/**
 * Whether a frame is of command `cmd`: `"cmd":20` followed by `,` or `}` (the last header field).
 * Searched in the frame's bytes: no string is made of the hundreds of thousands of frames a
 * fan-out case receives, so the driver is not what limits it.
 */
const isCmd = (frame: Buffer, cmd: number): boolean => {
  const mark = CMD_MARKS.get(cmd)!;
  const at = frame.indexOf(mark);
  if (at < 0) return false;
  const next = frame[at + mark.length];
  return next === 44 /* , */ || next === 125 /* } */;
};
const CMD_MARKS = new Map([CmdType.PUSH, CmdType.SEND_ACK, CmdType.ERROR].map((c) => [c as number, Buffer.from(`"cmd":${c}`)]));
const BENCH_MARK = Buffer.from('"bench":[');

/** The three numbers of `"bench":[s,n,t]` at `from`: sender, message number, send time (ms, with decimals). */
function benchNumbers(frame: Buffer, from: number): [number, number, number] | undefined {
  const out: number[] = [];
  let value = 0;
  let scale = 0; // 0: integer part; else the place of the next decimal digit
  for (let i = from; i < frame.length; i++) {
    const c = frame[i]!;
    if (c >= 48 && c <= 57) {
      if (scale === 0) value = value * 10 + (c - 48);
      else {
        value += (c - 48) * scale;
        scale /= 10;
      }
    } else if (c === 46 /* . */) scale = 0.1;
    else if (c === 44 /* , */ || c === 93 /* ] */) {
      out.push(value);
      if (c === 93) return out.length === 3 ? (out as [number, number, number]) : undefined;
      value = 0;
      scale = 0;
    } else return undefined;
  }
  return undefined;
}
const DEFAULT_STALL_MS = 10_000;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across this process. */
const now = () => performance.timeOrigin + performance.now();

export function runTraffic(spec: TrafficSpec, run = new TrafficRun()): { run: TrafficRun; done: Promise<TrafficRun> } {
  const { senders, receivers, window } = spec;
  // An ack is matched to its sender by socket, not by reqId (which would cost a parse per frame).
  if (new Set(senders.map((s) => s.socket)).size !== senders.length) throw new Error('runTraffic: each sender needs a socket of its own');
  const stallMs = spec.stallMs ?? DEFAULT_STALL_MS;
  const bounded = spec.durationS === undefined;
  run.plannedDeliveries = bounded ? senders.reduce((n, s) => n + s.recipients * spec.messages, 0) : 0;
  // seen[receiver][sender] = one byte per message number: exactly once, without a Set of strings.
  const seen = receivers.map(() => new Map<number, Uint8Array>());
  const listeners: (() => void)[] = [];

  const done = new Promise<TrafficRun>((resolve) => {
    let sending = senders.length;
    let lastProgress = performance.now();
    let stallTimer: NodeJS.Timeout | undefined;
    const deadline = bounded ? Infinity : performance.now() + spec.durationS! * 1000;

    const finish = () => {
      if (run.endedAt) return;
      // The last ack or PUSH, not the end of a stall wait: a loss must not dilute the rate.
      run.endedAt = lastProgress;
      clearInterval(stallTimer);
      for (const off of listeners) off();
      resolve(run);
    };
    const check = () => {
      lastProgress = performance.now();
      if (sending === 0 && run.deliveries >= run.expected) finish();
    };

    receivers.forEach((socket, r) => {
      const onMessage = (data: RawData) => {
        const frame = data as Buffer;
        if (!isCmd(frame, CmdType.PUSH)) return;
        const at = frame.indexOf(BENCH_MARK);
        if (at < 0) return;
        const numbers = benchNumbers(frame, at + BENCH_MARK.length);
        if (!numbers) return;
        const [s, n, t] = numbers;
        const bySender = seen[r]!;
        let marks = bySender.get(s);
        if (!marks || n >= marks.length) {
          const grown = new Uint8Array(Math.max(64, (n + 1) * 2));
          if (marks) grown.set(marks);
          bySender.set(s, (marks = grown));
        }
        if (marks[n]) {
          run.duplicates++;
          return;
        }
        marks[n] = 1;
        run.deliveries++;
        run.latency.record(now() - t);
        check();
      };
      socket.ws.on('message', onMessage);
      listeners.push(() => socket.ws.off('message', onMessage));
    });

    run.startedAt = performance.now();
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
        ws.send(`${head}${n}${route}${n},${now().toFixed(3)}${control}${n}"}}`);
      };
      const more = () => (bounded ? next < spec.messages : performance.now() < deadline);
      const onMessage = (data: RawData) => {
        const frame = data as Buffer;
        const acked = isCmd(frame, CmdType.SEND_ACK);
        if (!acked && !isCmd(frame, CmdType.ERROR)) return;
        inFlight--;
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
