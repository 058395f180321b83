import WebSocket from 'ws';
import { connectUrl, wsEndpoint } from '../../client/handshake.js';
import { LatencyHistogram } from '../histogram.js';

/** One connected device of the bench: a raw `ws` socket (no client library on the hot path). */
export interface BenchSocket {
  ws: WebSocket;
  userId: string;
}

export interface Dial {
  url: string;
  userId: string;
  token: string;
}

export interface OpenResult {
  sockets: BenchSocket[];
  /** Handshake start → open, per connection. */
  latency: LatencyHistogram;
  errors: number;
  /** The first refusal, to say why when every connection fails. */
  firstError?: string;
  seconds: number;
}

/** Connections the bench opens at once: enough to keep a server busy, few enough not to time out. */
export const OPEN_CONCURRENCY = 200;

/** Opens one connection; rejects with the handshake's error. */
export function openSocket(dial: Dial, deviceId = 'bench'): Promise<BenchSocket> {
  return new Promise((resolve, reject) => {
    // Frames arrive as Buffers, searched as bytes (driver/traffic.ts); checking each is UTF-8 would cost the driver more than the search.
    const ws = new WebSocket(connectUrl(wsEndpoint(dial.url), { token: dial.token, deviceId }), { perMessageDeflate: false, skipUTF8Validation: true });
    const fail = (e: Error) => {
      ws.removeAllListeners();
      ws.terminate();
      reject(e);
    };
    ws.once('open', () => {
      ws.off('error', fail);
      // A socket whose peer resets it later must not stop the process; the counts show the loss.
      ws.on('error', () => undefined);
      resolve({ ws, userId: dial.userId });
    });
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`the WebSocket handshake was refused with HTTP ${res.statusCode}`)));
  });
}

/**
 * Opens every connection, `concurrency` at a time, as fast as they are accepted. Refusals are
 * counted, not thrown: `connect` reports them; other workloads treat any as fatal.
 */
export async function openAll(dials: readonly Dial[], onOpened?: (n: number) => void, concurrency = OPEN_CONCURRENCY): Promise<OpenResult> {
  const sockets: BenchSocket[] = new Array(dials.length);
  const latency = new LatencyHistogram();
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  let opened = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, dials.length) }, async () => {
      while (next < dials.length) {
        const i = next++;
        const started = performance.now();
        try {
          sockets[i] = await openSocket(dials[i]!);
          latency.record(performance.now() - started);
          onOpened?.(++opened);
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
    }),
  );
  return { sockets: sockets.filter(Boolean), latency, errors, ...(firstError === undefined ? {} : { firstError }), seconds: (performance.now() - t0) / 1000 };
}

/** Closes every socket at once (no close handshake: the server sees them drop, as after a crash of the bench). */
export function closeAll(sockets: readonly BenchSocket[]): void {
  for (const s of sockets) s.ws.terminate();
}

/**
 * Sends a WebSocket ping on every socket every 20 s until stopped: a server's idle timeout counts
 * only what a client sends, and a receiver in a long case sends nothing.
 */
export function keepAlive(sockets: readonly BenchSocket[]): () => void {
  const timer = setInterval(() => {
    for (const s of sockets) if (s.ws.readyState === WebSocket.OPEN) s.ws.ping();
  }, 20_000);
  timer.unref();
  return () => clearInterval(timer);
}
