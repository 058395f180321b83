import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isImClientError } from '../../client/index.js';
import { isValidId } from '../../protocol/ids.js';
import { startEmbeddedServer, type EmbeddedChatServer } from '../../chat/embedded-server.js';
import { SessionRecorder, redactCommandLine } from '../../chat/record/scenario-recorder.js';
import { ChatSession, type ChatSessionOptions } from '../../chat/session/chat-session.js';
import { describeError } from '../../chat/session/describe-error.js';
import { homeNode } from '../../chat/session/node-list.js';
import type { HttpEvent, WireEvent } from '../../chat/session/session-types.js';
import { EXIT, UserError } from '../user-error.js';
import { promptPassword } from './prompt-password.js';

interface Actor {
  userId: string;
  deviceId: string;
}

/** `alice` or `alice@phone`; one pane per actor. */
export function parseActors(args: readonly string[]): Actor[] {
  const seen = new Set<string>();
  return args.map((arg) => {
    const [userId = '', deviceId = 'default', ...rest] = arg.split('@');
    if (!isValidId(userId) || !isValidId(deviceId) || rest.length > 0) {
      throw new UserError(`"${arg}" is not a user: write alice or alice@phone (letters, digits, _ . -)`, EXIT.USAGE);
    }
    const key = `${userId}@${deviceId}`;
    if (seen.has(key)) throw new UserError(`${key} is given twice: one pane per user@device (the second would KICK the first)`, EXIT.USAGE);
    seen.add(key);
    return { userId, deviceId };
  });
}

/** `$XDG_STATE_HOME/im`, else `~/.local/state/im` (the XDG default). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'im');
}

/**
 * `--server URL` or, for the nodes of a cluster, `--server URL1,URL2,…`: each an http(s) URL,
 * in the order given (pane 1 goes to URL1, pane 2 to URL2…). Blanks around commas are allowed.
 */
export function parseServerList(value: string): string[] {
  const nodes = value.split(',').map((s) => s.trim());
  const seen = new Set<string>();
  for (const node of nodes) {
    checkUrl(node);
    // The same node twice would put two panes on it that the user meant for two nodes.
    const key = node.replace(/\/+$/, '');
    if (seen.has(key)) throw new UserError(`--server names ${node} twice: give each node of the cluster once`, EXIT.USAGE);
    seen.add(key);
  }
  return nodes;
}

export interface ChatOptions {
  /** One URL, or several separated by commas (see `parseServerList`). */
  server: string;
  embedded: boolean;
  password?: string;
  stateDir?: string;
  record?: string;
}

export async function runChat(args: string[], opts: ChatOptions): Promise<void> {
  // Everything that can be wrong with the command line is said before the screen is taken over.
  const actors = parseActors(args);
  let nodes = opts.embedded ? [] : parseServerList(opts.server);
  if (opts.record !== undefined) checkRecordFile(opts.record);
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    throw new UserError('im chat needs a terminal (stdin and stdout must be a TTY); to script users, write a scenario and run `im scenario run`');
  }
  const userIds = [...new Set(actors.map((a) => a.userId))];
  let embedded: EmbeddedChatServer | undefined;
  const passwords = new Map<string, string>();
  if (opts.embedded) {
    embedded = await startEmbeddedServer(userIds, opts.password ?? randomBytes(12).toString('base64url'));
    nodes = [embedded.server.httpUrl];
    for (const u of userIds) passwords.set(u, embedded.password);
  } else {
    for (const u of userIds) passwords.set(u, opts.password ?? (await promptPassword(`password for ${u}: `)));
  }
  const recording = opts.record === undefined ? undefined : startRecording(userIds, opts.record, embedded !== undefined);
  const sessions: ChatSession[] = [];
  const quit = new AbortController();
  const { runChatUi, KEY_HELP } = await loadUi();
  const shared: SharedOptions = {
    nodes,
    extraHelp: KEY_HELP,
    onQuit: () => quit.abort(),
    // A throwaway embedded server's pts mean nothing next time: no cursor file for it.
    ...(embedded === undefined ? { stateDir: opts.stateDir ?? defaultStateDir() } : {}),
  };
  try {
    for (const [i, actor] of actors.entries()) {
      sessions.push(await startSession(actor, homeNode(nodes, i), passwords.get(actor.userId) ?? '', shared, recording?.recorder));
    }
    await runChatUi(sessions, { signal: quit.signal });
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
    await embedded?.server.close();
    if (recording !== undefined) await recording.finish();
  }
}

/** The session options every pane shares. */
type SharedOptions = Omit<ChatSessionOptions, 'server' | 'userId' | 'password' | 'deviceId' | 'onWire' | 'onHttp'> & { nodes: readonly string[] };

async function startSession(
  actor: Actor,
  server: string,
  password: string,
  shared: SharedOptions,
  recorder: SessionRecorder | undefined,
): Promise<ChatSession> {
  const { userId, deviceId } = actor;
  const record =
    recorder === undefined
      ? {}
      : { onWire: (e: WireEvent) => recorder.recordWire(userId, deviceId, e), onHttp: (e: HttpEvent) => recorder.recordHttp(userId, e) };
  try {
    return await ChatSession.start({ ...shared, server, userId, password, deviceId, ...record });
  } catch (e) {
    // The session tried every node before giving up.
    if (isImClientError(e) && e.reason === 'network') {
      throw new UserError(`cannot reach ${shared.nodes.join(' or ')}: ${e.message}; start one with \`im serve\`, or use --embedded`);
    }
    throw new UserError(`${userId}@${deviceId} could not sign in: ${describeError(e)}`);
  }
}

function checkUrl(server: string): void {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UserError(`--server must be a URL like http://127.0.0.1:7700, got "${server}"`, EXIT.USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`--server must be an http:// or https:// URL (the WebSocket URL is derived), got "${server}"`, EXIT.USAGE);
  }
}

function checkRecordFile(file: string): void {
  if (!/\.ya?ml$/.test(file)) throw new UserError(`--record writes a scenario file: give it a .yaml name, got "${file}"`, EXIT.USAGE);
  const dir = dirname(resolve(file));
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UserError(`--record ${file}: cannot write in ${dir}; create the directory or pick another path`, EXIT.USAGE);
  }
}

/** ink and React load only here, so `im serve` and `im scenario` never start them. */
async function loadUi() {
  const [{ loadChatUi }, { keyHelpLines }] = await Promise.all([import('../../chat/ui/load-chat-ui.js'), import('../../chat/ui/keymap.js')]);
  // On a terminal the UI draws even when CI is set (ink would leave the screen blank).
  const { runChatUi } = await loadChatUi(process.stdout.isTTY === true);
  return { runChatUi, KEY_HELP: keyHelpLines() };
}

function startRecording(userIds: readonly string[], file: string, embedded: boolean) {
  const friends: [string, string][] = [];
  if (embedded) for (const [i, a] of userIds.entries()) for (const b of userIds.slice(i + 1)) friends.push([a, b]);
  const recorder = new SessionRecorder({ users: userIds, friends, startedAt: new Date(), source: redactCommandLine(`im ${process.argv.slice(2).join(' ')}`) });
  return {
    recorder,
    finish: async () => {
      await recorder.write(file);
      process.stderr.write(`im: recorded the session to ${file}; replay it with: im scenario run ${file}\n`);
    },
  };
}
