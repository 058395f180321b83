import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HttpEvent, WireEvent } from '../session/session-types.js';
import { Literals } from './literal-values.js';
import { renderScenario } from './recorded-yaml.js';
import { isJson, type Json, type RecordedEvent, type RecorderOptions, type ScenarioDoc, type StepDoc } from './recording-types.js';
import { deviceNames, surveySession } from './session-survey.js';
import { StepBuilder } from './step-builder.js';
import { Captures } from './volatile-fields.js';

/** Calls whose bodies carry credentials: never kept, not even in memory. */
const SECRET_PATHS: ReadonlySet<string> = new Set(['/user/register', '/user/login']);
const SECRET_KEY = /^(password|passwd|pass|token|accessToken|refreshToken|secret|authorization)$/i;

/** Drops credential-looking keys at any depth: a scenario file is shared, a token in it leaks. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (!isJson(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !SECRET_KEY.test(k)).map(([k, v]) => [k, withoutSecrets(v)]));
}

/** `--password x`, `--token=x`: the values go, the flags stay so the line still reads. */
export function redactCommandLine(line: string): string {
  return line
    .replace(/(--?[\w-]*(?:pass|token|secret)[\w-]*)=\S+/gi, '$1=***')
    .replace(/(--?[\w-]*(?:pass|token|secret)[\w-]*)\s+(?!-)\S+/gi, '$1 ***');
}

const THRESHOLDS = ['lost == 0', 'duplicates == 0', 'violations == 0'];

/**
 * Records an `im chat` session as a scenario file that `im scenario run` replays against a fresh
 * server: what the users sent and did becomes steps, what they received becomes expectations.
 * Events are only collected while the session runs; the mapping happens in `toScenario()`, when
 * every reply is known (a PUSH may reach a peer before the sender's ack does).
 */
export class SessionRecorder {
  readonly #options: RecorderOptions;
  readonly #events: RecordedEvent[] = [];

  constructor(options: RecorderOptions) {
    if (options.users.length === 0) throw new Error('SessionRecorder: a session has at least one user');
    this.#options = { ...options, users: [...options.users], friends: options.friends.map(([a, b]) => [a, b] as const) };
  }

  /** A frame one user's connection wrote (`out`) or read (`in`). */
  recordWire(userId: string, deviceId: string, event: WireEvent): void {
    // A copy: the session still owns its frame objects, and a later change must not rewrite the record.
    this.#events.push({ kind: 'wire', user: userId, device: deviceId, event: structuredClone(event) });
  }

  /** A successful HTTP API call a slash command made. */
  recordHttp(userId: string, event: HttpEvent): void {
    if (SECRET_PATHS.has(event.path)) return;
    const copy = structuredClone(event);
    const body = copy.body === undefined ? undefined : (withoutSecrets(copy.body) as Json);
    this.#events.push({ kind: 'http', user: userId, event: { ...copy, ...(body === undefined ? {} : { body }), data: withoutSecrets(copy.data) } });
  }

  toScenario(): ScenarioDoc {
    const options = this.#options;
    const survey = surveySession(this.#events, options);
    const sessionUsers = [...survey.devices.keys()];
    const captures = new Captures([...sessionUsers, ...survey.extraUsers], survey.groups.map((g) => String(g.id)));
    const literals = new Literals(captures.freeName('brace'));
    const builder = new StepBuilder(this.#events, survey, { captures, literals }, { typing: options.typing ?? true });
    let steps: StepDoc[] = builder.build();
    // Escaped text only resolves where the brace variable is defined: one pass of a repeat.
    if (literals.used) steps = [{ repeat: { for_each: ['{'], as: literals.braceVar, steps } }];
    if (steps.length === 0) steps = [{ ping: sessionUsers }];
    const users: Record<string, Json> = {};
    for (const [user, names] of deviceNames(survey.devices)) users[user] = names.size > 1 ? { devices: [...names.values()] } : {};
    for (const user of survey.extraUsers) users[user] = {};
    const setup: Json = {
      ...(survey.friends.length > 0 ? { friends: survey.friends } : {}),
      ...(survey.groups.length > 0 ? { groups: survey.groups } : {}),
      // Users the session only mentioned were not chatting: the replay leaves them offline too.
      ...(survey.extraUsers.length > 0 ? { connect: sessionUsers } : {}),
    };
    return {
      name: `chat session of ${sessionUsers.join(', ')}`,
      description: `Recorded by im chat --record at ${options.startedAt.toISOString()}.`,
      users,
      ...(Object.keys(setup).length > 0 ? { setup } : {}),
      steps,
      thresholds: [...THRESHOLDS],
    };
  }

  toYaml(): string {
    const header = [
      `Recorded by im chat on ${this.#options.startedAt.toISOString()} from: ${redactCommandLine(this.#options.source)}`,
      'Replay: im scenario run <this file> (a fresh embedded server; users are registered anew).',
      'msgIds, group ids, seqs and pts differ on every run: they are captured with save: and used as {{…}}.',
    ];
    return renderScenario(this.toScenario(), header);
  }

  /** Writes the file whole or not at all: a temp file in the same directory, then a rename. */
  async write(file: string): Promise<void> {
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temp, this.toYaml(), 'utf8');
      await rename(temp, file);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }
}
