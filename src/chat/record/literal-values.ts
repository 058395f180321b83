import { isCmdType, isConvType, isErrorCode, isMsgType } from '../../protocol/codes.js';

/**
 * What people typed goes into the file as data, but the runner reads every string for `{{…}}`
 * templates and every matcher for `$` operators and protocol names. These helpers keep recorded
 * text literal and recorded content matchable.
 */
export class Literals {
  /** Set once a string needed escaping: the steps must then run where `braceVar` is `{`. */
  used = false;

  constructor(readonly braceVar: string) {}

  /**
   * Every `{` becomes `{{braceVar}}` (which resolves to `{`): no other template can then form,
   * because a template's body cannot contain a brace.
   */
  text(value: string): string {
    if (!value.includes('{{')) return value;
    this.used = true;
    return value.replaceAll('{', `{{${this.braceVar}}}`);
  }

  /** Strings escaped at any depth; keys are never resolved by the runner, so they stay. */
  deep(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.deep(v)]));
    }
    return value;
  }

  /**
   * Recorded content as a matcher. The loader gives meaning to `$` keys, to `convType` /
   * `msgType` anywhere, to `code` under `content` and `cmd` under `header`; a recorded value
   * there that is not a valid operator or code would fail the file, so such keys are left out
   * (a matcher is partial, so the rest still has to match).
   */
  matcher(value: unknown, parentKey?: string): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.matcher(v));
    if (typeof value !== 'object' || value === null) return value;
    const kept = Object.entries(value).filter(([key, v]) => keepKey(key, v, parentKey));
    return Object.fromEntries(kept.map(([key, v]) => [key, this.matcher(v, key)]));
  }
}

function keepKey(key: string, value: unknown, parentKey: string | undefined): boolean {
  if (key.startsWith('$')) return false;
  if (key === 'convType') return isConvType(value);
  if (key === 'msgType') return isMsgType(value);
  if (key === 'code' && parentKey === 'content') return value === 0 || isErrorCode(value);
  if (key === 'cmd' && parentKey === 'header') return isCmdType(value);
  return true;
}
