import type { HttpEvent, WireEvent } from '../session/session-types.js';

export interface RecorderOptions {
  /** The chat's users; every one becomes a `users:` entry even if it never sent a frame. */
  users: readonly string[];
  /** Pairs the embedded server made friends before the session (`setup.friends`). */
  friends: readonly (readonly [string, string])[];
  startedAt: Date;
  /** What produced the session, e.g. the command line; it goes into the header comment. */
  source: string;
  /** Keep typing indicators as send/expect steps (default true). */
  typing?: boolean;
}

/** What the recorder keeps, in the order the session reported it. */
export type RecordedEvent =
  | { kind: 'wire'; user: string; device: string; event: WireEvent }
  | { kind: 'http'; user: string; event: HttpEvent };

export type Json = Record<string, unknown>;

/** One step as written to the file, e.g. `{ send: {…}, save: 'm1' }`. */
export type StepDoc = Json;

/** The scenario file as plain data, keys in the order they are written. */
export interface ScenarioDoc {
  name: string;
  description: string;
  users: Record<string, Json>;
  setup?: Json;
  steps: StepDoc[];
  thresholds: string[];
}

export const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
