import { suggestion, type LoadContext, type Path } from './load-context.js';
import { isTemplate } from './load-names.js';
import type { GeneratedUsers, UserSpec } from './types.js';

/**
 * The scenario's users and their devices, for checking every name a step or the setup uses.
 * Actors come out canonical, `user@device`; templated ones (`{{u}}`) are left to the engine.
 */
export class Roster {
  private readonly devices = new Map<string, string[]>();

  constructor(
    named: readonly UserSpec[],
    private readonly generated: GeneratedUsers | undefined,
  ) {
    for (const u of named) this.devices.set(u.name, u.devices);
  }

  /** Every user name, generated ones included. */
  names(): string[] {
    const g = this.generated;
    return g ? Array.from({ length: g.count }, (_, i) => `${g.prefix}${i + 1}`) : [...this.devices.keys()];
  }

  devicesOf(name: string): string[] | undefined {
    const g = this.generated;
    const n = g && name.startsWith(g.prefix) ? name.slice(g.prefix.length) : '';
    if (g && /^[1-9]\d*$/.test(n) && Number(n) <= g.count) return g.devices;
    return this.devices.get(name);
  }

  /** A user name (no device); templates pass. */
  user(ctx: LoadContext, value: string, path: Path): string {
    if (isTemplate(value)) return value;
    if (value.includes('@')) ctx.fail(path, `"${value}": a user name is expected here, without a device`);
    if (this.devicesOf(value) === undefined) ctx.fail(path, `unknown user "${value}"${this.hint(value)}`);
    return value;
  }

  /**
   * `alice@phone` → itself; `alice` → every device of alice (`many`) or her only device (`one`,
   * an error when she has several: the file must say which).
   */
  actors(ctx: LoadContext, value: string, path: Path, arity: 'one' | 'many'): string[] {
    if (isTemplate(value)) return [value];
    const at = value.indexOf('@');
    const name = at < 0 ? value : value.slice(0, at);
    const devices = this.devicesOf(name);
    if (devices === undefined) return ctx.fail(path, `unknown user "${name}"${this.hint(name)}`);
    if (at >= 0) {
      const device = value.slice(at + 1);
      if (!devices.includes(device)) {
        const declared = devices.length === 1 && devices[0] === 'default' ? `: ${name} declares none (add devices: [${device}])` : ` (declared: ${devices.join(', ')})`;
        ctx.fail(path, `${name} has no device "${device}"${declared}`);
      }
      return [value];
    }
    if (arity === 'one' && devices.length > 1) {
      ctx.fail(path, `${name} has ${devices.length} devices (${devices.join(', ')}): say which, e.g. ${name}@${devices[0]}`);
    }
    return devices.map((d) => `${name}@${d}`);
  }

  actor(ctx: LoadContext, value: string, path: Path): string {
    return this.actors(ctx, value, path, 'one')[0] ?? value;
  }

  private hint(name: string): string {
    if (this.generated) return ` (users are ${this.generated.prefix}1..${this.generated.prefix}${this.generated.count})`;
    return suggestion(name, this.devices.keys()) || ` (declared: ${[...this.devices.keys()].join(', ')})`;
  }
}
