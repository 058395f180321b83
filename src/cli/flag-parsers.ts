import { InvalidArgumentError } from 'commander';
import { USAGE } from './services/collect-files.js';
import { UserError } from './user-error.js';

/**
 * Flag value parsers shared by the commands. Those throwing InvalidArgumentError let commander
 * say whether the value came from the flag or its IM_* variable; main.ts words the error.
 */

export function wholeNumber(min: number, max?: number) {
  const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || (max !== undefined && n > max)) throw new InvalidArgumentError(`must be a whole number ${range}`);
    return n;
  };
}

/** 500ms, 60s, 15m, 7d: milliseconds. */
export function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m?.[2] ?? 'ms') as 'ms'];
  const ms = m ? Math.round(Number(m[1]) * unit) : 0;
  if (ms < 1) throw new InvalidArgumentError('must be a duration above 0 like 500ms, 60s, 15m or 7d');
  return ms;
}

/** One node's HTTP base URL; its ws:// form (as `im serve` prints it) works too. */
function serverUrl(v: string): string {
  let url: URL | undefined;
  try {
    url = new URL(v);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new UserError(`--server must be a URL like http://127.0.0.1:7700 (or several, comma-separated), got "${v}"`, USAGE);
  }
  if (url.protocol.startsWith('ws')) return `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
  return v.replace(/\/+$/, '');
}

/** `URL1,URL2,…`: the nodes of one cluster. */
export function serverUrls(v: string): string[] {
  const urls = v.split(',').map((part) => part.trim());
  if (urls.some((u) => u === '')) throw new UserError(`--server has an empty entry in "${v}": write URL1,URL2 without blanks between commas`, USAGE);
  const parsed = urls.map(serverUrl);
  const twice = parsed.find((u, i) => parsed.indexOf(u) !== i);
  if (twice !== undefined) throw new UserError(`--server lists ${twice} twice: each node once`, USAGE);
  return parsed;
}
