import { describe, expect, it } from 'vitest';
import { CmdType, ConvType, MsgType, READ_DIFFUSION_TYPES } from '../../src/protocol/codes.js';
import type { PushFrame, ServerFrame, Stamp } from '../../src/protocol/frames.js';
import { checkInvariants, countDuplicates, countLost } from '../../src/runner/invariants/index.js';
import type { DeviceRecord, LoggedFrame, RunRecord, SendRecord, Violation } from '../../src/runner/types.js';

// ---- a tiny model server that writes the frames a correct server would, with bug knobs ------

interface Msg {
  msgId: string;
  convId: string;
  convType: ConvType;
  from: string;
  to: string;
  seq?: number;
  persist: boolean;
}

interface SendOpts {
  persist?: boolean;
  sync?: boolean;
  /** Bugs: force this seq; skip the PUSH to these devices; push twice to these; push to extra users. */
  seq?: number;
  skipPushTo?: string[];
  pushTwiceTo?: string[];
  pushToSender?: boolean;
  alsoPushTo?: string[];
}

const V = { version: 1 };
const split = (actor: string): [string, string] => {
  const [user = actor, device = 'default'] = actor.split('@');
  return [user, device];
};

class Sim {
  t = 0;
  private readonly devs = new Map<string, DeviceRecord>();
  private readonly userDevs = new Map<string, DeviceRecord[]>();
  private readonly sends: SendRecord[] = [];
  private readonly seqs = new Map<string, number>();
  private readonly pts = new Map<string, number>();
  private readonly inbox = new Map<string, { pts: number; msg: Msg }[]>();
  private readonly history = new Map<string, Msg[]>();
  private readonly lastPts = new Map<string, number>();
  /** convId → user → [joinedAt, leftAt) spans. */
  private readonly spans = new Map<string, Map<string, [number, number][]>>();
  private id = 7266000000000000000n;

  /** Adds devices (`alice@phone`, `bob` = bob@default), online from now unless `offline`. */
  device(...actors: string[]): this {
    for (const a of actors) {
      const [user, device] = split(a);
      this.add({ user, device, frames: [], sessions: [{ openedAt: this.t }] });
    }
    return this;
  }

  offlineDevice(...actors: string[]): this {
    for (const a of actors) {
      const [user, device] = split(a);
      this.add({ user, device, frames: [], sessions: [] });
    }
    return this;
  }

  at(t: number): this {
    this.t = t;
    return this;
  }

  group(convId: string, ...members: string[]): this {
    const m = new Map<string, [number, number][]>();
    for (const u of members) m.set(u, [[this.t, Infinity]]);
    this.spans.set(convId, m);
    return this;
  }

  leave(convId: string, user: string): this {
    const span = this.spans.get(convId)?.get(user)?.at(-1);
    if (span) span[1] = this.t;
    return this;
  }

  connect(actor: string): this {
    this.dev(actor).sessions.push({ openedAt: this.t });
    this.t += 5;
    return this;
  }

  disconnect(actor: string): this {
    const s = this.dev(actor).sessions.at(-1);
    if (s) s.closedAt = this.t;
    this.t += 5;
    return this;
  }

  send(actor: string, convId: string, o: SendOpts = {}): string {
    const [user, device] = split(actor);
    const convType = typeOf(convId);
    const persist = o.persist ?? true;
    const sync = o.sync ?? true;
    const rd = READ_DIFFUSION_TYPES.has(convType);
    const recipients = this.members(convId, this.t).filter((u) => u !== user);
    const msgId = String(this.id++);
    const msg: Msg = { msgId, convId, convType, from: user, to: convId.split(':').at(-1)!, persist };
    if (persist) {
      msg.seq = o.seq ?? (this.seqs.get(convId) ?? 0) + 1;
      this.seqs.set(convId, Math.max(msg.seq, this.seqs.get(convId) ?? 0));
      this.history.set(convId, this.history.get(convId) ?? []);
      this.history.get(convId)!.push(msg);
    }
    const rowFor = (u: string): number | undefined => {
      if (!persist || rd) return undefined;
      const p = (this.pts.get(u) ?? 0) + 1;
      this.pts.set(u, p);
      this.inbox.set(u, this.inbox.get(u) ?? []);
      this.inbox.get(u)!.push({ pts: p, msg });
      return p;
    };
    const senderPts = sync ? rowFor(user) : undefined;
    const at = this.t;
    const ackAt = at + 1;
    const ack = stampOf(msg, senderPts);
    this.deliver(`${user}@${device}`, ackAt, { header: { ...V, cmd: CmdType.SEND_ACK }, content: {}, stamp: ack });
    const pushAt = at + 2;
    const pushTo = (u: string, pts: number | undefined, except?: string): void => {
      for (const d of this.onlineDevices(u, pushAt)) {
        const name = `${d.user}@${d.device}`;
        if (name === except || o.skipPushTo?.includes(name)) continue;
        this.deliver(name, pushAt, pushOf(msg, pts));
        if (o.pushTwiceTo?.includes(name)) this.deliver(name, pushAt + 1, pushOf(msg, pts));
      }
    };
    for (const u of recipients) pushTo(u, rowFor(u));
    if (sync) pushTo(user, senderPts, o.pushToSender ? undefined : `${user}@${device}`);
    for (const u of o.alsoPushTo ?? []) pushTo(u, undefined);
    this.sends.push({ user, device, convType, to: msg.to, at, ack, ackAt, persist, syncToSender: sync, recipients });
    this.t += 10;
    return msgId;
  }

  /** SYNC from the device's last pts (or `since`); `skipPts` is a server bug. */
  sync(actor: string, o: { since?: number; skipPts?: number[] } = {}): this {
    const [user] = split(actor);
    const since = o.since ?? this.lastPts.get(this.key(actor)) ?? 0;
    const rows = (this.inbox.get(user) ?? []).filter((r) => r.pts > since && !o.skipPts?.includes(r.pts));
    this.deliver(actor, this.t, {
      header: { ...V, cmd: CmdType.SYNC_RESP },
      content: { messages: rows.map((r) => pushOf(r.msg, r.pts)), maxPts: this.pts.get(user) ?? 0, hasMore: false },
    });
    this.t += 10;
    return this;
  }

  historyOf(actor: string, convId: string): this {
    this.deliver(actor, this.t, {
      header: { ...V, cmd: CmdType.HISTORY_RESP },
      content: { messages: (this.history.get(convId) ?? []).map((m) => pushOf(m, undefined)), hasMore: false },
    });
    this.t += 10;
    return this;
  }

  readNotify(actor: string, convId: string, reader: string, readSeq: number): this {
    this.deliver(actor, this.t, { header: { ...V, cmd: CmdType.READ_NOTIFY }, content: { convId, userId: reader, readSeq } });
    this.t += 10;
    return this;
  }

  frames(actor: string): LoggedFrame[] {
    return this.dev(actor).frames;
  }

  record(): RunRecord {
    const spans = this.spans;
    return {
      devices: [...this.devs.values()],
      sends: this.sends,
      membership: {
        isMember(user, convId, at) {
          if (/^(single|stranger):/.test(convId)) return convId.split(':').slice(1).includes(user);
          if (convId.startsWith('system:')) return convId === `system:${user}`;
          return (spans.get(convId)?.get(user) ?? []).some(([a, b]) => a <= at && at < b);
        },
      },
    };
  }

  private add(d: DeviceRecord): void {
    this.devs.set(`${d.user}@${d.device}`, d);
    this.userDevs.set(d.user, [...(this.userDevs.get(d.user) ?? []), d]);
  }

  private members(convId: string, at: number): string[] {
    if (/^(single|stranger):/.test(convId)) return convId.split(':').slice(1);
    return [...(this.spans.get(convId) ?? new Map<string, [number, number][]>()).entries()]
      .filter(([, s]) => s.some(([a, b]) => a <= at && at < b))
      .map(([u]) => u);
  }

  private onlineDevices(user: string, at: number): DeviceRecord[] {
    return (this.userDevs.get(user) ?? []).filter((d) => d.sessions.some((s) => s.openedAt <= at && (s.closedAt === undefined || s.closedAt > at)));
  }

  private key(actor: string): string {
    return split(actor).join('@');
  }

  private dev(actor: string): DeviceRecord {
    const d = this.devs.get(this.key(actor));
    if (!d) throw new Error(`no device ${actor}`);
    return d;
  }

  private deliver(actor: string, at: number, frame: ServerFrame): void {
    const d = this.dev(actor);
    if (!d.sessions.some((s) => s.openedAt <= at && (s.closedAt === undefined || s.closedAt > at))) return;
    d.frames.push({ at, frame });
    const stamps: (Stamp | undefined)[] =
      frame.header.cmd === CmdType.SYNC_RESP ? (frame.content as { messages: PushFrame[] }).messages.map((m) => m.stamp) : [(frame as { stamp?: Stamp }).stamp];
    for (const s of stamps) if (s?.pts !== undefined) this.lastPts.set(this.key(actor), Math.max(s.pts, this.lastPts.get(this.key(actor)) ?? 0));
  }
}

function typeOf(convId: string): ConvType {
  const prefix = convId.split(':')[0];
  const types: Record<string, ConvType> = {
    single: ConvType.SINGLE,
    stranger: ConvType.STRANGER_CHAT,
    group: ConvType.GROUP,
    chatroom: ConvType.CHATROOM,
    channel: ConvType.CHANNEL,
    mgroup: ConvType.MILLION_GROUP,
  };
  return types[prefix ?? ''] ?? ConvType.GROUP;
}

function stampOf(m: Msg, pts: number | undefined): Stamp {
  const s: Stamp = { msgId: m.msgId, convId: m.convId, sendTime: 1764374400000 };
  if (m.seq !== undefined) s.seq = m.seq;
  if (pts !== undefined) s.pts = pts;
  return s;
}

function pushOf(m: Msg, pts: number | undefined): PushFrame {
  return {
    header: { ...V, cmd: CmdType.PUSH },
    route: { convType: m.convType, msgType: m.persist ? MsgType.TEXT : MsgType.TYPING, from: m.from, to: m.to },
    content: m.persist ? { text: 'hi' } : {},
    control: m.persist ? {} : { persist: false },
    options: {},
    stamp: stampOf(m, pts),
  };
}

const rules = (vs: Violation[]): string[] => vs.map((v) => v.rule);

/** alice (phone + laptop), bob, carol; group:team of the three; everyone online from 0. */
function team(): Sim {
  return new Sim().device('alice@phone', 'alice@laptop', 'bob', 'carol').group('group:team', 'alice', 'bob', 'carol');
}

// ---- tests --------------------------------------------------------------------------------

describe('checkInvariants: a clean run', () => {
  it('finds nothing in a run that uses every frame kind', () => {
    const sim = team().group('chatroom:lobby', 'alice', 'bob', 'carol');
    sim.send('alice@phone', 'group:team');
    sim.send('bob', 'group:team');
    sim.send('carol', 'single:bob:carol');
    sim.send('alice@laptop', 'single:alice:bob');
    sim.send('bob', 'chatroom:lobby');
    sim.send('alice@phone', 'group:team', { persist: false });
    sim.send('alice@phone', 'group:team', { sync: false });
    sim.disconnect('bob').send('carol', 'group:team');
    sim.send('alice@phone', 'single:alice:bob');
    sim.connect('bob').sync('bob').historyOf('bob', 'chatroom:lobby').sync('carol', { since: 0 });
    sim.readNotify('bob', 'single:alice:bob', 'alice', 3);
    sim.send('bob', 'group:team');
    const record = sim.record();
    expect(checkInvariants(record)).toEqual([]);
    expect(countLost(record)).toBe(0);
    expect(countDuplicates(record)).toBe(0);
  });

  it('finds nothing in an empty run', () => {
    expect(checkInvariants(new Sim().record())).toEqual([]);
  });
});

describe('seq-unique', () => {
  it('catches one seq naming two msgIds, with the ack as reference', () => {
    const sim = team();
    const first = sim.send('alice@phone', 'group:team');
    const second = sim.send('bob', 'group:team', { seq: 1 });
    const vs = checkInvariants(sim.record());
    expect(rules(vs)).toEqual(['seq-unique']);
    expect(vs[0]).toMatchObject({ rule: 'seq-unique', user: 'bob', device: 'default', convId: 'group:team' });
    expect(vs[0]!.message).toBe(`seq 1 of group:team names ${first} (alice@phone ack) and ${second} (bob@default ack)`);
  });

  it('catches it when only a SYNC page disagrees', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.sync('carol', { since: 0 });
    const resp = sim.frames('carol').at(-1)!.frame as { content: { messages: PushFrame[] } };
    resp.content.messages[0]!.stamp.msgId = '9999';
    const vs = checkInvariants(sim.record()).filter((v) => v.rule === 'seq-unique');
    expect(vs).toHaveLength(1);
    expect(vs[0]!.message).toMatch(/names \d+ \(alice@phone ack\) and 9999 \(carol@default SYNC_RESP\)/);
  });
});

describe('msg-seq', () => {
  it('catches a msgId with two seqs (the ack says 1, a HISTORY page says 2)', () => {
    const sim = team();
    const msgId = sim.send('alice@phone', 'group:team');
    sim.historyOf('bob', 'group:team');
    const resp = sim.frames('bob').at(-1)!.frame as { content: { messages: PushFrame[] } };
    resp.content.messages[0]!.stamp.seq = 2;
    const vs = checkInvariants(sim.record());
    expect(rules(vs)).toEqual(['msg-seq']);
    expect(vs[0]).toMatchObject({ user: 'bob', device: 'default', convId: 'group:team' });
    expect(vs[0]!.message).toBe(`${msgId} of group:team has seq 1 (alice@phone ack) and seq 2 (bob@default HISTORY_RESP at 10 ms)`);
  });

  it('catches a PUSH and a SYNC page disagreeing with no ack involved, once per pair', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.sync('bob', { since: 0 }).sync('carol', { since: 0 });
    for (const who of ['bob', 'carol']) {
      const resp = sim.frames(who).at(-1)!.frame as { content: { messages: PushFrame[] } };
      resp.content.messages[0]!.stamp.seq = 7;
    }
    const vs = checkInvariants(sim.record()).filter((v) => v.rule === 'msg-seq');
    expect(vs.map((v) => v.user)).toEqual(['bob']);
    expect(vs[0]!.message).toMatch(/has seq 1 \(alice@phone ack\) and seq 7 \(bob@default SYNC_RESP at \d+ ms\)$/);
  });

  it('catches a stored message with seq 0', () => {
    const sim = team();
    const msgId = sim.send('alice@phone', 'group:team', { seq: 0 });
    const vs = checkInvariants(sim.record());
    expect(rules(vs)).toEqual(['msg-seq']);
    expect(vs[0]!.message).toBe(`${msgId} of group:team has seq 0 (alice@phone ack): a stored message's seq is a whole number ≥ 1`);
  });

  it('catches a stored message whose ack has no seq', () => {
    const sim = team();
    const msgId = sim.send('alice@phone', 'group:team');
    const record = sim.record();
    delete record.sends[0]!.ack!.seq;
    const vs = checkInvariants(record);
    expect(vs.map((v) => v.message)).toEqual([
      `${msgId} of group:team is stored but its ack (alice@phone) has no seq`,
      `${msgId} of group:team has no seq (alice@phone ack) and seq 1 (alice@laptop PUSH)`,
    ]);
  });

  it('catches a transient message that carries a seq', () => {
    const sim = team();
    const msgId = sim.send('alice@phone', 'group:team', { persist: false });
    (sim.frames('bob')[0]!.frame as PushFrame).stamp.seq = 1;
    const record = sim.record();
    expect(checkInvariants(record).map((v) => `${v.rule} ${v.message}`)).toEqual([
      `msg-seq ${msgId} of group:team has no seq (alice@phone ack) and seq 1 (bob@default PUSH)`,
    ]);
    record.sends[0]!.ack!.seq = 1;
    expect(checkInvariants(record).map((v) => v.message)).toContain(`${msgId} of group:team is transient but its ack (alice@phone) has seq 1`);
  });
});

describe('push-seq-order', () => {
  it('catches pushes out of seq order (read diffusion: no pts rule involved)', () => {
    const sim = team().group('chatroom:lobby', 'alice', 'bob', 'carol');
    const a = sim.send('alice@phone', 'chatroom:lobby');
    const b = sim.send('alice@phone', 'chatroom:lobby');
    const frames = sim.frames('bob');
    const [x, y] = [frames[0]!, frames[1]!];
    frames[0] = { at: x.at, frame: y.frame };
    frames[1] = { at: y.at, frame: x.frame };
    const vs = checkInvariants(sim.record());
    expect(rules(vs)).toEqual(['push-seq-order']);
    expect(vs[0]).toMatchObject({ user: 'bob', device: 'default', convId: 'chatroom:lobby' });
    expect(vs[0]!.message).toBe(`PUSH seq 1 (${a}) after seq 2 (${b}) of chatroom:lobby on bob@default at ${y.at} ms`);
  });

  it('holds across sessions, and also flags the pts order for inbox messages', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.send('alice@phone', 'group:team');
    const pushes = sim.frames('carol');
    pushes.reverse();
    const vs = checkInvariants(sim.record());
    expect(rules(vs).sort()).toEqual(['pts-gap', 'push-seq-order']);
    expect(vs.find((v) => v.rule === 'pts-gap')!.message).toMatch(/^PUSH pts 1 \(\d+\) after pts 2 \(\d+\) in one session of carol@default/);
  });

  it('does not compare conversations with each other, nor transient pushes', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.send('alice@phone', 'group:team');
    sim.send('alice@phone', 'single:alice:bob');
    sim.send('alice@phone', 'group:team', { persist: false });
    sim.send('alice@phone', 'group:team', { persist: false });
    expect(checkInvariants(sim.record())).toEqual([]);
  });
});

describe('pts-gap', () => {
  it('catches a pts a SYNC skipped', () => {
    const sim = team().device('bob@tablet');
    sim.send('alice@phone', 'group:team');
    sim.disconnect('bob');
    const lostOne = sim.send('alice@phone', 'group:team');
    sim.send('carol', 'group:team');
    sim.connect('bob').sync('bob', { skipPts: [2] });
    const vs = checkInvariants(sim.record());
    expect(rules(vs)).toEqual(['pts-gap']);
    expect(vs[0]).toMatchObject({ user: 'bob', device: 'default', convId: 'group:team' });
    expect(vs[0]!.message).toMatch(new RegExp(`^bob@default never saw pts 2 \\(1 of 1\\.\\.3, SYNC_RESP maxPts 3 at \\d+ ms\\); pts 2 is ${lostOne} of group:team$`));
  });

  it('lists the missing ranges', () => {
    const sim = team();
    sim.disconnect('bob');
    for (let i = 0; i < 6; i++) sim.send('alice@phone', 'group:team');
    sim.connect('bob').sync('bob', { skipPts: [2, 4, 5] });
    const [v] = checkInvariants(sim.record());
    expect(v!.message).toMatch(/^bob@default never saw pts 2, 4–5 \(3 of 1\.\.6,/);
  });

  it('catches one pts naming two messages', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.send('alice@phone', 'single:alice:bob');
    const push = sim.frames('bob')[1]!.frame as PushFrame;
    push.stamp.pts = 1;
    const vs = checkInvariants(sim.record()).filter((v) => v.rule === 'pts-gap');
    expect(vs).toHaveLength(1);
    expect(vs[0]!.message).toMatch(/^pts 1 names \d+ \(PUSH\) and \d+ \(PUSH at \d+ ms\) on bob@default$/);
  });

  it('accepts a device offline during a send that SYNCs later', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.disconnect('bob');
    sim.send('alice@phone', 'group:team');
    sim.send('carol', 'single:bob:carol');
    sim.connect('bob').sync('bob');
    sim.send('alice@phone', 'group:team');
    expect(checkInvariants(sim.record())).toEqual([]);
  });

  it('accepts a SYNC re-returning messages the device already got by PUSH', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.send('carol', 'group:team');
    sim.sync('bob', { since: 0 }).sync('alice@laptop', { since: 0 });
    sim.send('carol', 'group:team');
    expect(checkInvariants(sim.record())).toEqual([]);
  });

  it('accepts a device that joined late and SYNCs from the last pts it saw', () => {
    const sim = team();
    sim.send('carol', 'group:team');
    sim.send('carol', 'group:team');
    sim.device('bob@tablet');
    sim.send('carol', 'group:team');
    sim.disconnect('bob@tablet');
    sim.send('carol', 'group:team');
    sim.connect('bob@tablet').sync('bob@tablet');
    expect(checkInvariants(sim.record())).toEqual([]);
  });

  it('accepts sync=false sends (an ack without pts, no copy to the other devices)', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team', { sync: false });
    sim.send('bob', 'group:team');
    sim.sync('alice@phone', { since: 0 }).sync('alice@laptop', { since: 0 });
    const ack = sim.frames('alice@phone')[0]!.frame as { stamp: Stamp };
    expect(ack.stamp.pts).toBeUndefined();
    expect(checkInvariants(sim.record())).toEqual([]);
  });

  it('accepts the repeated ack of a retried SEND', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.send('alice@phone', 'group:team');
    const frames = sim.frames('alice@phone');
    frames.push({ at: sim.t, frame: frames[0]!.frame });
    expect(checkInvariants(sim.record())).toEqual([]);
  });
});

describe('duplicate-delivery', () => {
  it('catches a PUSH delivered twice', () => {
    const sim = team();
    const msgId = sim.send('alice@phone', 'group:team', { pushTwiceTo: ['bob@default'] });
    const record = sim.record();
    const vs = checkInvariants(record);
    expect(rules(vs)).toEqual(['duplicate-delivery']);
    expect(vs[0]).toMatchObject({ user: 'bob', device: 'default', convId: 'group:team' });
    expect(vs[0]!.message).toBe(`PUSH of ${msgId} (group:team seq 1) to bob@default at 3 ms: already got by PUSH at 2 ms`);
    expect(countDuplicates(record)).toBe(1);
  });

  it('catches a device getting a PUSH of its own send', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team', { pushToSender: true });
    const vs = checkInvariants(sim.record());
    expect(rules(vs)).toEqual(['duplicate-delivery']);
    expect(vs[0]).toMatchObject({ user: 'alice', device: 'phone' });
    expect(vs[0]!.message).toMatch(/its own send, pushed back to the sending device$/);
  });

  it('does not count transient pushes to several devices, nor pulls', () => {
    const sim = team();
    sim.send('bob', 'group:team', { persist: false });
    sim.send('bob', 'group:team');
    sim.sync('alice@phone', { since: 0 }).historyOf('alice@phone', 'group:team').historyOf('alice@phone', 'group:team');
    expect(checkInvariants(sim.record())).toEqual([]);
    expect(countDuplicates(sim.record())).toBe(0);
  });

  it('caps the violations of a rule with "…and N more"', () => {
    const sim = team();
    for (let i = 0; i < 30; i++) sim.send('alice@phone', 'group:team', { pushTwiceTo: ['bob@default'] });
    const record = sim.record();
    const vs = checkInvariants(record);
    expect(vs).toHaveLength(21);
    expect(vs.at(-1)).toEqual({ rule: 'duplicate-delivery', user: '*', message: '…and 10 more duplicate-delivery violations' });
    expect(countDuplicates(record)).toBe(30);
  });
});

describe('lost', () => {
  it('catches a PUSH missing on an online device', () => {
    const sim = team();
    const msgId = sim.send('alice@phone', 'group:team', { skipPushTo: ['carol@default', 'alice@laptop'] });
    const record = sim.record();
    const vs = checkInvariants(record);
    expect(rules(vs)).toEqual(['lost', 'lost']);
    expect(vs.map((v) => `${v.user}@${v.device}`).sort()).toEqual(['alice@laptop', 'carol@default']);
    expect(vs.find((v) => v.user === 'carol')!.message).toBe(`${msgId} (alice@phone → group:team seq 1, acked at 1 ms) never reached carol@default (online 0 ms–end)`);
    expect(countLost(record)).toBe(2);
  });

  it('is satisfied by a SYNC or HISTORY after a reconnect, and not by a reconnect alone', () => {
    const sim = team().device('dave');
    sim.group('group:team', 'alice', 'bob', 'carol', 'dave');
    sim.send('alice@phone', 'group:team', { skipPushTo: ['bob@default', 'carol@default', 'dave@default'] });
    sim.disconnect('bob').disconnect('carol').disconnect('dave');
    sim.connect('bob').sync('bob');
    sim.connect('carol').historyOf('carol', 'group:team');
    sim.connect('dave');
    const vs = checkInvariants(sim.record());
    expect(vs.map((v) => `${v.rule} ${v.user}`)).toEqual(['lost dave']);
    expect(vs[0]!.message).toMatch(/never reached dave@default \(online 0–\d+ ms, back at \d+ ms\)$/);
  });

  it('catches a lost PUSH on a device that stayed online, even when it later SYNCs or reads HISTORY', () => {
    const sim = team();
    const msgId = sim.send('alice@phone', 'group:team', { skipPushTo: ['bob@default', 'carol@default'] });
    sim.sync('bob', { since: 0 });
    sim.historyOf('carol', 'group:team');
    const record = sim.record();
    const vs = checkInvariants(record);
    expect(rules(vs)).toEqual(['lost', 'lost']);
    const bob = vs.find((v) => v.user === 'bob')!;
    expect(bob).toMatchObject({ device: 'default', convId: 'group:team' });
    expect(bob.message).toBe(
      `${msgId} (alice@phone → group:team seq 1, acked at 1 ms) was never pushed to bob@default (online 0 ms–end): it came only by SYNC_RESP at 10 ms`,
    );
    expect(vs.find((v) => v.user === 'carol')!.message).toMatch(/was never pushed to carol@default \(online 0 ms–end\): it came only by HISTORY_RESP at \d+ ms$/);
    expect(countLost(record)).toBe(2);
  });

  it("requires the PUSH on the sender's other devices: a SEND_ACK there (a retry) is no push", () => {
    const sim = team();
    sim.send('alice@phone', 'group:team', { skipPushTo: ['alice@laptop'] });
    const ack = sim.frames('alice@phone')[0]!;
    sim.frames('alice@laptop').push({ at: sim.t, frame: ack.frame });
    const vs = checkInvariants(sim.record());
    expect(vs.map((v) => `${v.rule} ${v.user}@${v.device}`)).toEqual(['lost alice@laptop']);
    expect(vs[0]!.message).toMatch(/was never pushed to alice@laptop \(online 0 ms–end\): it came only by SEND_ACK at \d+ ms$/);
  });

  it('accepts a device that went offline after the send and caught up by SYNC', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team', { skipPushTo: ['bob@default', 'alice@laptop'] });
    sim.disconnect('bob').disconnect('alice@laptop');
    sim.send('carol', 'group:team');
    sim.connect('bob').sync('bob').connect('alice@laptop').sync('alice@laptop', { since: 0 });
    sim.send('carol', 'group:team');
    const record = sim.record();
    expect(checkInvariants(record)).toEqual([]);
    expect(countLost(record)).toBe(0);
  });

  it('does not require a device that closed after the ack and never came back', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team', { skipPushTo: ['bob@default'] });
    sim.disconnect('bob');
    expect(checkInvariants(sim.record())).toEqual([]);
  });

  it('does not require a device that connected after the ack, or was offline', () => {
    const sim = team().offlineDevice('bob@tablet');
    sim.send('alice@phone', 'group:team');
    sim.device('carol@tablet');
    sim.connect('bob@tablet');
    sim.send('bob', 'single:bob:carol', { sync: false });
    expect(checkInvariants(sim.record())).toEqual([]);
  });

  it('does not require read-diffusion messages of a closed session to come back by SYNC', () => {
    const sim = team().group('channel:news', 'alice', 'bob');
    sim.send('alice@phone', 'channel:news', { skipPushTo: ['bob@default'] });
    sim.disconnect('bob').connect('bob').sync('bob');
    expect(checkInvariants(sim.record())).toEqual([]);
  });

  it('requires transient pushes only of devices online from the send to the end', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team', { persist: false, skipPushTo: ['bob@default', 'carol@default'] });
    sim.disconnect('bob').connect('bob');
    const vs = checkInvariants(sim.record());
    expect(vs.map((v) => `${v.rule} ${v.user}`)).toEqual(['lost carol']);
    expect(vs[0]!.message).toMatch(/^\d+ \(alice@phone → group:team, transient, acked at 1 ms\) never reached carol@default/);
  });

  it('ignores refused sends', () => {
    const sim = team();
    const record = sim.record();
    record.sends.push({ user: 'bob', device: 'default', convType: ConvType.GROUP, to: 'team', at: 0, error: 3003, persist: true, syncToSender: true, recipients: ['carol'] });
    expect(checkInvariants(record)).toEqual([]);
  });
});

describe('foreign-conversation', () => {
  it('catches a group PUSH to a non-member', () => {
    const sim = team().device('eve');
    const msgId = sim.send('alice@phone', 'group:team', { alsoPushTo: ['eve'] });
    const vs = checkInvariants(sim.record());
    expect(rules(vs)).toEqual(['foreign-conversation']);
    expect(vs[0]).toMatchObject({ user: 'eve', device: 'default', convId: 'group:team' });
    expect(vs[0]!.message).toBe(`PUSH ${msgId} (seq 1) of group:team to eve@default at 2 ms: eve is not a member (nor in the 1 s before)`);
  });

  it('allows a push in flight within 1 s of leaving, not later', () => {
    const sim = team();
    sim.at(5000).leave('group:team', 'bob');
    sim.at(5500).send('alice@phone', 'group:team', { alsoPushTo: ['bob'] });
    expect(checkInvariants(sim.record())).toEqual([]);
    sim.at(6200).send('alice@phone', 'group:team', { alsoPushTo: ['bob'] });
    expect(checkInvariants(sim.record()).map((v) => `${v.rule} ${v.user}`)).toEqual(['foreign-conversation bob']);
  });

  it('catches a READ_NOTIFY of a stranger pair conversation', () => {
    const sim = team();
    sim.readNotify('carol', 'single:alice:bob', 'alice', 2);
    const vs = checkInvariants(sim.record());
    expect(vs.map((v) => v.message)).toEqual([`READ_NOTIFY (alice read to seq 2) of single:alice:bob to carol@default at 0 ms: carol is not a member (nor in the 1 s before)`]);
  });

  it('does not check SYNC of old inbox rows after leaving', () => {
    const sim = team();
    sim.send('alice@phone', 'group:team');
    sim.at(100).leave('group:team', 'bob');
    sim.at(3000).sync('bob', { since: 0 });
    expect(checkInvariants(sim.record())).toEqual([]);
  });
});

describe('scale', () => {
  it('finds nothing wrong in a clean run of 200 users × 1,000 group messages', () => {
    const sim = new Sim();
    const users = Array.from({ length: 200 }, (_, i) => `u${i}`);
    sim.device(...users).group('group:big', ...users);
    for (let i = 0; i < 1000; i++) sim.send(`u${i % 200}`, 'group:big');
    const record = sim.record();
    expect(record.devices.reduce((n, d) => n + d.frames.length, 0)).toBe(200_000);
    expect(checkInvariants(record)).toEqual([]);
    expect(countLost(record) + countDuplicates(record)).toBe(0);
  });
});
