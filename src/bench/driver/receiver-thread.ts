import { parentPort, workerData } from 'node:worker_threads';
import type { RawData } from 'ws';
import { ownBusyMeter } from '../proc-stats.js';
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

const result = await openAll(dials, (n) => {
  if (n % 50 === 0) send({ type: 'opening', opened: n });
});
const sockets: BenchSocket[] = result.sockets;
send({ type: 'opened', opened: sockets.length, errors: result.errors, ...(result.firstError === undefined ? {} : { firstError: result.firstError }) });
const stopKeepAlive = keepAlive(sockets);

let round: { counter: PushCounter; timer: NodeJS.Timeout; offs: (() => void)[]; busy: () => number } | undefined;
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
      round = { counter, offs, timer: setInterval(progress, PROGRESS_MS), busy: ownBusyMeter() };
      send({ type: 'started' });
      return;
    }
    case 'stop': {
      if (!round) return;
      const { counter, offs, timer, busy } = round;
      round = undefined;
      clearInterval(timer);
      for (const off of offs) off();
      send({ type: 'final', deliveries: counter.deliveries, duplicates: counter.duplicates, lastAt: counter.lastAt, latency: counter.latency.encode(), busyPercent: busy() });
      return;
    }
    case 'close':
      stopKeepAlive();
      closeAll(sockets);
      port.close();
  }
});
