import { parentPort, workerData } from 'node:worker_threads';
import type { RawData } from 'ws';
import { PushCounter } from './push-counter.js';
import { closeAll, keepAlive, openAll, type BenchSocket, type Dial } from './sockets.js';
import type { FromReceiver, ToReceiver } from './receiver-wire.js';

/**
 * One receiver thread of the bench driver (see receiver-threads.ts): opens its share of the
 * receiving sockets, then counts PUSHes between `start` and `stop`, reporting its counts every
 * PROGRESS_MS and its latency histogram at the end.
 */
const PROGRESS_MS = 50;
const port = parentPort!;
const send = (m: FromReceiver): void => port.postMessage(m);
const { dials } = workerData as { dials: Dial[] };

let opened = 0;
const result = await openAll(dials, (n) => {
  opened = n;
  if (n % 50 === 0) send({ type: 'opening', opened: n });
});
send({ type: 'opened', opened, errors: result.errors, ...(result.firstError === undefined ? {} : { firstError: result.firstError }) });
const sockets: BenchSocket[] = result.sockets;
const stopKeepAlive = keepAlive(sockets);

let round: { counter: PushCounter; timer: NodeJS.Timeout; offs: (() => void)[]; elu: ReturnType<typeof performance.eventLoopUtilization> } | undefined;
let reported = -1;

const progress = (): void => {
  if (!round || round.counter.deliveries + round.counter.duplicates === reported) return;
  reported = round.counter.deliveries + round.counter.duplicates;
  send({ type: 'progress', deliveries: round.counter.deliveries, duplicates: round.counter.duplicates, lastAt: round.counter.lastAt });
};

port.on('message', (m: ToReceiver) => {
  switch (m.type) {
    case 'start': {
      const counter = new PushCounter(sockets.length);
      const offs = sockets.map((socket, r) => {
        const onMessage = (data: RawData) => void counter.onFrame(r, data as Buffer);
        socket.ws.on('message', onMessage);
        return () => socket.ws.off('message', onMessage);
      });
      reported = -1;
      round = { counter, offs, timer: setInterval(progress, PROGRESS_MS), elu: performance.eventLoopUtilization() };
      send({ type: 'started' });
      return;
    }
    case 'stop': {
      if (!round) return;
      const { counter, offs, timer, elu } = round;
      round = undefined;
      clearInterval(timer);
      for (const off of offs) off();
      const busy = performance.eventLoopUtilization(elu).utilization;
      send({ type: 'final', deliveries: counter.deliveries, duplicates: counter.duplicates, lastAt: counter.lastAt, latency: counter.latency.encode(), busyPercent: Math.round(busy * 100) });
      return;
    }
    case 'close':
      stopKeepAlive();
      closeAll(sockets);
      port.close();
  }
});
