import { describe, expect, it } from 'vitest';
import { decode, header, sendBody } from '../../src/protocol/decode.js';
import { plainHeader, plainSend } from '../../src/protocol/plain-frames.js';

/*
 * plain-frames.ts reads the common header and SEND without zod. It may hand a frame to zod, but
 * whatever it accepts, zod must accept too and read the same way: every base frame below, and
 * every variant with one field replaced by an odd value, is put to both.
 */

const ODD: unknown[] = [
  undefined, null, true, 0, -0, 1, -1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY,
  '', 'x', 'a'.repeat(64), 'a'.repeat(65), 'a'.repeat(128), 'a'.repeat(129), 'bad id!', [], ['x'], {}, { text: 'x' },
];

const HEADERS: Record<string, unknown>[] = [
  { cmd: 10 },
  { version: 1, cmd: 10, reqId: 'r1', deviceId: 'd', platform: 'cli', ts: 1.5, extra: 'dropped' },
];

const SENDS: Record<string, unknown>[] = [
  { route: { convType: 1, msgType: 1, to: 'bob' }, content: { text: 'hi' } },
  {
    route: { convType: 3, msgType: 1, from: 'spoofed', to: 'g.1', extra: 1 },
    content: { text: 'hi', extra: [1] },
    control: { persist: true, sync: false, clientMsgId: 'c-1', extra: 1 },
    options: { a: 1 },
    extra: 1,
  },
];

/** Each object with one (possibly nested) field set to each odd value, or deleted. */
function variants(base: Record<string, unknown>): unknown[] {
  const out: unknown[] = [base];
  for (const [key, value] of Object.entries(base)) {
    for (const odd of ODD) out.push({ ...base, [key]: odd });
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const inner of variants(value as Record<string, unknown>)) out.push({ ...base, [key]: inner });
    }
  }
  for (const odd of ODD) out.push(odd);
  return out;
}

describe('plain-frames: never accepts what zod refuses, and reads the same', () => {
  it('headers', () => {
    let plain = 0;
    for (const base of HEADERS) {
      for (const h of variants(base)) {
        const fast = plainHeader(h);
        if (fast === undefined) continue;
        plain++;
        const slow = header.safeParse(h);
        expect(slow.success, JSON.stringify(h)).toBe(true);
        // toEqual: zod keeps a key set to undefined, which no JSON frame can hold.
        expect(fast).toEqual(slow.data);
      }
    }
    expect(plain).toBeGreaterThan(20);
  });

  it('SEND bodies', () => {
    let plain = 0;
    for (const base of SENDS) {
      for (const frame of variants(base)) {
        if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) continue;
        const fast = plainSend(frame as Record<string, unknown>);
        if (fast === undefined) continue;
        plain++;
        const slow = sendBody.safeParse(frame);
        expect(slow.success, JSON.stringify(frame)).toBe(true);
        const { route, control, options } = slow.data!;
        const { from: _from, ...routeWithoutFrom } = route;
        expect(fast).toEqual({
          route: routeWithoutFrom,
          ...(control === undefined ? {} : { control }),
          ...(options === undefined ? {} : { options }),
        });
      }
    }
    expect(plain).toBeGreaterThan(20);
  });

  it('takes the common frames: a plain header and SEND are read without zod', () => {
    for (const h of HEADERS) expect(plainHeader(h)).toBeDefined();
    for (const s of SENDS) expect(plainSend(s)).toBeDefined();
  });

  it('leaves an options object with its own __proto__ key to zod', () => {
    const frame = JSON.parse('{"route":{"convType":1,"msgType":1,"to":"bob"},"content":{"text":"x"},"options":{"__proto__":{"a":1}}}') as Record<string, unknown>;
    expect(plainSend(frame)).toBeUndefined();
  });
});

describe('decode with the plain readers', () => {
  const send = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ header: { cmd: 10, reqId: 'r' }, route: { convType: 1, msgType: 1, to: 'bob' }, content: { text: 'hi' }, ...extra });

  it('decodes a plain SEND as the contract says: no route.from, known control keys only', () => {
    const r = decode(send({ route: { convType: 1, msgType: 1, to: 'bob', from: 'mallory' }, control: { clientMsgId: 'c1', junk: 1 } }));
    expect(r).toStrictEqual({
      ok: true,
      frame: {
        header: { cmd: 10, reqId: 'r', version: 1 },
        route: { convType: 1, msgType: 1, to: 'bob' },
        content: { text: 'hi' },
        control: { clientMsgId: 'c1' },
        options: {},
      },
    });
  });

  it('still words the errors of a frame that is not plain', () => {
    expect(decode(send({ route: { convType: 1, msgType: 1, to: 'bad id!' } }))).toMatchObject({ ok: false, error: { code: 1000 }, reqId: 'r' });
    expect(decode(send({ content: { nope: 1 } }))).toMatchObject({ ok: false, error: { code: 1000, message: expect.stringContaining('content.text') } });
  });

  it('refuses a frame nested too deep, and reads one whose brackets are only in strings', () => {
    const deep = send({ content: { text: 'x', n: JSON.parse('['.repeat(40) + ']'.repeat(40)) } });
    expect(decode(deep)).toMatchObject({ ok: false, error: { code: 1000, message: expect.stringContaining('nested deeper') } });
    const bracketsInText = send({ content: { text: '{['.repeat(40) } });
    expect(decode(bracketsInText)).toMatchObject({ ok: true });
  });
});
