import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SessionRecorder } from '../../../src/chat/record/scenario-recorder.js';
import { match } from '../../../src/client/match.js';
import { ConvType, ErrorCode, MsgType } from '../../../src/protocol/codes.js';
import { runIm } from '../../helpers/cli.js';
import { groupText, text } from '../../helpers/messages.js';
import { befriend, registerUsers, useHarness } from '../../helpers/server.js';
import { connectRecorded, recordClient, recordedHttp } from './recording-harness.js';

/**
 * The whole loop over real parts: a real server, real clients driven as the chat drives them,
 * the recorder fed their frames and HTTP calls, then the real CLI replaying the file against a
 * fresh embedded server.
 */

const h = useHarness();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'im-record-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const replay = (file: string) => runIm(['scenario', 'run', file], { timeoutMs: 60_000 });
const failureOf = (run: { stdout: string; stderr: string }) => `${run.stdout}\n${run.stderr}`;

type StepDoc = Record<string, Record<string, unknown>>;

/** Records a session on a server that already holds history, so recorded seqs and pts are not the replay's. */
async function recordSession(file: string): Promise<SessionRecorder> {
  const server = await h.startServer();
  const [alice, bob, carol] = await registerUsers(server, ['alice', 'bob', 'carol']);
  await befriend(alice, bob);
  // Before the session: three messages the replay will never have.
  const before = await h.connect(server, alice, 'old');
  for (const n of [1, 2, 3]) await before.send(text('bob', `old ${n}`));
  await before.close();

  const recorder = new SessionRecorder({
    users: ['alice', 'bob'],
    friends: [['alice', 'bob']],
    startedAt: new Date('2025-01-02T03:04:05Z'),
    source: 'im chat alice bob --embedded --record session.yaml --password hunter2',
  });
  const a = await connectRecorded(h, server, alice, recorder);
  const b = await connectRecorded(h, server, bob, recorder);
  await a.sync(0);
  await b.sync(0);

  await a.send(text('bob', 'hi bob'));
  await b.waitFor(match.push({ text: 'hi bob' }));
  await b.send(text('alice', 'hi alice'));
  await a.waitFor(match.push({ text: 'hi alice' }));
  const question = await a.send(text('bob', 'how are you?'));
  await b.waitFor(match.push({ text: 'how are you?' }));
  await a.send({ convType: ConvType.SINGLE, msgType: MsgType.TYPING, to: 'bob', content: {} });
  await b.waitFor(match.push({ msgType: MsgType.TYPING }));

  const { groupId, convId } = await recordedHttp(server, alice, recorder).groupCreate({ type: ConvType.GROUP, name: 'Team', members: ['bob'] });
  await a.send(groupText(groupId, 'welcome'));
  await b.waitFor(match.push({ text: 'welcome', convId }));

  const single = question.stamp.convId;
  await b.read(single, question.stamp.seq ?? 0);
  await a.waitFor(match.cmd(42));
  await b.history({ convId: single, afterSeq: 0 });
  await b.history({ convId: single, limit: 2 });
  await a.history({ convId, afterSeq: 0 });
  await b.sync(0);
  await expect(a.send(text('carol', 'psst'))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });
  void carol;
  await recorder.write(file);
  return recorder;
}

/**
 * What the recording server knew before the session shows only through the session: a group and
 * a friendship made earlier, a second device that drops and catches up by SYNC, text that looks
 * like a template, content with keys a matcher would read as operators.
 */
async function recordWorldSession(file: string): Promise<SessionRecorder> {
  const server = await h.startServer();
  const [alice, bob, dave] = await registerUsers(server, ['alice', 'bob', 'dave']);
  await befriend(alice, bob);
  await befriend(alice, dave);
  await alice.http.groupCreate({ groupId: 'club', type: ConvType.GROUP, name: 'Club', members: ['bob'] });
  const before = await h.connect(server, alice, 'old');
  await before.send(groupText('club', 'old news'));
  await before.close();

  const recorder = new SessionRecorder({ users: ['alice', 'bob'], friends: [['alice', 'bob']], startedAt: new Date(), source: 'im chat alice bob' });
  const a = await connectRecorded(h, server, alice, recorder);
  const phone = await connectRecorded(h, server, bob, recorder, 'phone');
  let laptop = await connectRecorded(h, server, bob, recorder, 'laptop');

  await a.send(groupText('club', 'hello club'));
  await phone.waitFor(match.push({ text: 'hello club' }));
  await laptop.waitFor(match.push({ text: 'hello club' }));
  await phone.send(text('alice', 'from the phone'));
  await a.waitFor(match.push({ text: 'from the phone' }));
  await laptop.waitFor(match.push({ text: 'from the phone' }));
  await a.send(text('bob', 'say {{m1.msgId}} and {x}'));
  await phone.waitFor(match.push({ text: 'say {{m1.msgId}} and {x}' }));
  await a.send({ convType: ConvType.SINGLE, msgType: MsgType.CUSTOM, to: 'bob', content: { data: { kind: 'card', $ref: 'x' }, code: 77, msgType: 999 } });
  await phone.waitFor(match.push({ msgType: MsgType.CUSTOM }));
  await a.send(text('dave', 'an old friend'));

  // The laptop drops; what it missed comes back by SYNC from the last pts it saw.
  const lastPts = laptop.lastPts;
  await laptop.close();
  await a.send(text('bob', 'while you were away'));
  await phone.waitFor(match.push({ text: 'while you were away' }));
  laptop = recordClient(recorder, 'bob', await h.connect(server, bob, 'laptop'));
  const missed = await laptop.sync(lastPts);
  expect(missed.content.messages.map((m) => m.content.text)).toContain('while you were away');

  const history = await laptop.history({ convId: 'group:club' });
  const last = history.content.messages.at(-1);
  await phone.read('group:club', last?.stamp.seq ?? 0);
  await laptop.waitFor(match.cmd(42));
  await recorder.write(file);
  return recorder;
}

describe('im chat --record: the recorded session replays', () => {
  it('recreates what existed before the session, keeps typed text literal, follows a device that dropped', async () => {
    const file = join(dir, 'world.yaml');
    const recorder = await recordWorldSession(file);
    const doc = recorder.toScenario();
    expect(doc.users).toEqual({ alice: {}, bob: { devices: ['phone', 'laptop'] }, dave: {} });
    expect(doc.setup).toEqual({
      friends: [['alice', 'bob'], ['alice', 'dave']],
      groups: [{ id: 'club', type: 'group', owner: 'alice', members: ['bob'] }],
      connect: ['alice', 'bob'],
    });
    const run = await replay(file);
    expect(run.code, failureOf(run)).toBe(0);
  });

  it('replays green with `im scenario run`, and a tampered expectation fails it', async () => {
    const file = join(dir, 'session.yaml');
    await recordSession(file);
    const yaml = await readFile(file, 'utf8');
    expect(yaml).not.toContain('hunter2');
    expect(yaml).not.toMatch(/"?pts"?: \d/);

    const check = await runIm(['scenario', 'check', file]);
    expect(check.code, failureOf(check)).toBe(0);
    const run = await replay(file);
    expect(run.code, failureOf(run)).toBe(0);

    // The same file with one received text changed must fail: the replay asserts what was received.
    const doc = parse(yaml) as { steps: StepDoc[] };
    const push = doc.steps.find((s) => (s.expect?.frame as { content?: { text?: string } } | undefined)?.content?.text === 'hi alice');
    expect(push).toBeDefined();
    ((push?.expect?.frame as { content: { text: string } }).content).text = 'hi alicia';
    const tampered = join(dir, 'tampered.yaml');
    await writeFile(tampered, stringify(doc));
    const bad = await replay(tampered);
    expect(bad.code, failureOf(bad)).toBe(1);
    expect(bad.stdout).toContain('hi alicia');
  });
});
