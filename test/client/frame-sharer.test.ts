import { describe, expect, it } from 'vitest';
import { FrameSharer } from '../../src/client/frame-sharer.js';
import type { PushFrame } from '../../src/protocol/frames.js';

const push = (pts: number | undefined, text = 'hello', extra = '') =>
  `{"header":{"version":1,"cmd":20},"route":{"convType":2,"msgType":1,"from":"u1","to":"lobby"},"content":{"text":"${text}"${extra}},"control":{},"options":{},"stamp":{"msgId":"7","convId":"group:lobby","seq":3${pts === undefined ? '' : `,"pts":${pts}`},"sendTime":1}}`;

describe('FrameSharer', () => {
  it('gives each PUSH of one message its own frame and stamp around shared parts, each with its own pts', () => {
    const sharer = new FrameSharer();
    const a = sharer.parse(push(5)) as PushFrame;
    const b = sharer.parse(push(12)) as PushFrame;
    expect(a).toEqual(JSON.parse(push(5)));
    expect(b).toEqual(JSON.parse(push(12)));
    expect(b).not.toBe(a);
    expect(b.stamp).not.toBe(a.stamp);
    expect(Object.keys(b.stamp)).toEqual(['msgId', 'convId', 'seq', 'pts', 'sendTime']);
    expect(b.content).toBe(a.content);
    expect(b.route).toBe(a.route);
  });

  it('shares a read-diffusion PUSH (no pts) too, still as two frames', () => {
    const sharer = new FrameSharer();
    const a = sharer.parse(push(undefined)) as PushFrame;
    const b = sharer.parse(push(undefined)) as PushFrame;
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(b.content).toBe(a.content);
  });

  it('never folds together texts that differ in anything but the pts', () => {
    const sharer = new FrameSharer();
    const a = sharer.parse(push(5, 'hello')) as PushFrame;
    const b = sharer.parse(push(5, 'HELLO')) as PushFrame;
    expect(b.content).toEqual({ text: 'HELLO' });
    expect(b.content).not.toBe(a.content);
  });

  it('does not take a "pts" key of the content for the stamp', () => {
    const sharer = new FrameSharer();
    // the last "pts": of these texts is the content's (the stamp has none): they must not share by it
    const text = (n: number) => `{"header":{"version":1,"cmd":20},"stamp":{"msgId":"9","convId":"mgroup:m","seq":1,"sendTime":1},"content":{"pts":${n}}}`;
    sharer.parse(text(1));
    const b = sharer.parse(text(2)) as PushFrame;
    expect(b.content).toEqual({ pts: 2 });
    expect(b.stamp.pts).toBeUndefined();
  });

  it('parses other frames as they are, and refuses garbage as parseServerFrame does', () => {
    const sharer = new FrameSharer();
    expect(sharer.parse('{"header":{"version":1,"cmd":11,"reqId":"r1"},"content":{},"stamp":{"msgId":"1"}}')).toMatchObject({ header: { cmd: 11 } });
    expect(sharer.parse('not json')).toBeUndefined();
  });
});
