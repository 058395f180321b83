import { EXIT, UserError } from '../user-error.js';

/**
 * Reads a password from the terminal without echoing it (a `*` per character). Ctrl-C aborts
 * with exit code 130, as a shell user expects; Ctrl-D (end of input, which raw mode delivers as a
 * byte rather than closing the stream) aborts too, with exit code 1, since no password will come.
 */
export function promptPassword(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!input.isTTY) {
    return Promise.reject(new UserError(`${question.replace(/:\s*$/, '')}: no terminal to ask on; pass --password or set IM_PASSWORD`));
  }
  return new Promise((resolve, reject) => {
    let typed = '';
    output.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (error?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UserError('cancelled', EXIT.INTERRUPTED));
        if (ch === '\u0004') return done(new UserError('cancelled (Ctrl-D): no password given', EXIT.FAILURE));
        if (ch === '\u007f' || ch === '\b') {
          if (typed.length > 0) {
            typed = [...typed].slice(0, -1).join('');
            output.write('\b \b');
          }
        } else if (ch >= ' ') {
          typed += ch;
          output.write('*');
        }
      }
    };
    const onEnd = () => done(new UserError('cancelled: the terminal closed before a password was given', EXIT.FAILURE));
    input.on('data', onData);
    input.on('end', onEnd);
  });
}
