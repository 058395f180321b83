/**
 * Commander's own error messages (unknown option, missing argument, a value its parser refused)
 * reworded as the body of one `im: error:` line: flags by their long name, an IM_* variable by
 * its name when the bad value came from it, and "did you mean" on the same line.
 */
export function usageErrorText(message: string): string {
  const text = message.trim().replace(/^error:\s*/, '');
  const invalid = /^option '([^']+)' (?:argument '([\s\S]*)'|value '([\s\S]*)' from env '([^']+)') is invalid\. ([\s\S]*)$/.exec(text);
  if (invalid) {
    const [, flags = '', cliValue, envValue, variable, reason = ''] = invalid;
    const name = variable ?? longFlag(flags);
    const choices = /^Allowed choices are (.*)\.$/.exec(reason);
    const must = choices ? `must be one of ${choices[1]}` : reason.replace(/\.$/, '');
    return `${name} ${must}, got "${cliValue ?? envValue}"`;
  }
  const missing = /^option '([^']+)' argument missing$/.exec(text);
  if (missing) return `${longFlag(missing[1] ?? '')} needs a value`;
  return text
    .replace(/unknown (option|command) '([^']+)'/g, 'unknown $1 $2')
    .replace(/option '([^']+)'/g, (_, flags: string) => longFlag(flags))
    .replace(/environment variable '([^']+)'/g, '$1')
    .replace(/\s*\n\s*\(Did you mean/g, ' (did you mean')
    .replace(/\s*\n\s*/g, ' ');
}

/** `-p, --port <port>` → `--port`. */
function longFlag(flags: string): string {
  return /--[\w-]+/.exec(flags)?.[0] ?? flags.split(/[ ,]/)[0] ?? flags;
}
