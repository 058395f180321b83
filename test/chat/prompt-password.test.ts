import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { promptPassword } from '../../src/cli/services/prompt-password.js';

/** A terminal's two sides as the prompt sees them: raw-mode input, and what it echoes. */
function terminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, rawMode: false, setRawMode(on: boolean) {
    input.rawMode = on;
    return input;
  } });
  const output = new PassThrough();
  let echoed = '';
  output.on('data', (d: Buffer) => (echoed += d.toString()));
  return {
    input: input as unknown as NodeJS.ReadStream & { rawMode: boolean },
    output: output as unknown as NodeJS.WriteStream,
    echoed: () => echoed,
  };
}

describe('promptPassword', () => {
  it('masks what is typed and returns it on Enter', async () => {
    const t = terminal();
    const answer = promptPassword('password for alice: ', t.input, t.output);
    t.input.write('s3cr\u007fet\r');
    await expect(answer).resolves.toBe('s3cet');
    expect(t.echoed()).toBe('password for alice: ****\b \b**\n');
    expect(t.input.rawMode).toBe(false);
  });

  it.each([
    ['Ctrl-C', '\u0003', 130, /^cancelled$/],
    ['Ctrl-D', '\u0004', 1, /^cancelled \(Ctrl-D\): no password given$/],
    ['Ctrl-D after some typing', 'abc\u0004', 1, /^cancelled \(Ctrl-D\)/],
  ])('%s cancels with one line and a non-zero exit code', async (_name, keys, exitCode, message) => {
    const t = terminal();
    const answer = promptPassword('password for alice: ', t.input, t.output);
    t.input.write(keys);
    await expect(answer).rejects.toMatchObject({ name: 'UserError', exitCode, message: expect.stringMatching(message) });
    expect(t.echoed().endsWith('\n')).toBe(true);
    expect(t.input.rawMode).toBe(false);
  });
});
