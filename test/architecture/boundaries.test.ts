import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

/** Value imports only: `import type` and inline-type-only imports do not couple modules at run time. */
function valueImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^import\s+(?!type\s)([^;]*?)\s+from\s+'([^']+)';/gms)) {
    const clause = m[1] ?? '';
    const onlyTypes = /^\{[^}]*\}$/.test(clause.trim()) && clause.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((s) => s.startsWith('type'));
    if (!onlyTypes && m[2]?.startsWith('.')) out.push(relative(root, resolve(dirname(file), m[2])));
  }
  for (const m of src.matchAll(/^import\s+'([^']+)';/gm)) if (m[1]?.startsWith('.')) out.push(relative(root, resolve(dirname(file), m[1])));
  return out;
}

const RULES: Record<string, string[]> = {
  protocol: ['server', 'client', 'cli'],
  'server/filter': ['server/gateway', 'server/deliver', 'server/sync', 'server/store/sqlite'],
  'server/store': ['server/gateway', 'server/filter', 'server/sync', 'server/deliver'],
  'server/sync': ['server/gateway', 'server/deliver', 'server/filter', 'server/store/sqlite'],
  'server/deliver': ['server/gateway', 'server/filter', 'server/store', 'server/sync'],
  'server/gateway': ['server/filter', 'server/store', 'server/sync/memory-bus', 'server/sync/sync-stage'],
  client: ['server', 'cli'],
  // The runner starts an embedded server through the composition root only.
  runner: ['server/gateway', 'server/filter', 'server/store', 'server/sync', 'server/deliver'],
  // im chat: a pure model, a session that owns the network, a UI that only renders a session handle.
  'chat/model': ['server', 'client', 'cli', 'chat/session', 'chat/commands', 'chat/ui', 'chat/record'],
  'chat/session': ['server', 'cli', 'chat/ui', 'chat/record'],
  'chat/commands': ['server', 'cli', 'chat/ui', 'chat/record'],
  'chat/ui': ['server', 'client', 'cli', 'chat/session', 'chat/commands', 'chat/record'],
  'chat/record': ['server', 'cli', 'chat/ui', 'chat/session'],
};

/** Packages a folder must not import statically (STYLE.md: services import neither commander nor ink). */
const PACKAGE_RULES: Record<string, string[]> = {
  'cli/services': ['commander', 'ink', 'react'],
  protocol: ['ws', 'better-sqlite3', 'ink', 'react', 'commander'],
  'server': ['ink', 'react', 'commander'],
  'chat/model': ['ink', 'react', 'commander', 'ws'],
  'chat/session': ['ink', 'react', 'commander'],
  'chat/commands': ['ink', 'react', 'commander'],
  'chat/record': ['ink', 'react', 'commander'],
};

function packageImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/^import\s+(?!type\s)[^;]*?\s+from\s+'([^'.][^']*)';/gms)].map((m) => m[1] ?? '');
}

describe('module boundaries (src/server/*/FLOW.md)', () => {
  for (const [area, forbidden] of Object.entries(RULES)) {
    it(`${area} does not import ${forbidden.join(', ')}`, () => {
      const offending = files(join(root, area)).flatMap((f) =>
        valueImports(f)
          .filter((target) => forbidden.some((fb) => target === fb || target.startsWith(`${fb}/`)))
          .map((target) => `${relative(root, f)} -> ${target}`),
      );
      expect(offending).toEqual([]);
    });
  }

  for (const [area, forbidden] of Object.entries(PACKAGE_RULES)) {
    it(`${area} does not import the packages ${forbidden.join(', ')}`, () => {
      const offending = files(join(root, area)).flatMap((f) =>
        packageImports(f)
          .filter((pkg) => forbidden.includes(pkg))
          .map((pkg) => `${relative(root, f)} -> ${pkg}`),
      );
      expect(offending).toEqual([]);
    });
  }

  it('sees the imports it checks (guards against a regex that matches nothing)', () => {
    const imports = valueImports(join(root, 'server/create-server.ts'));
    expect(imports).toContain('server/store/sqlite/sqlite-store.js');
    expect(packageImports(join(root, 'cli/main.ts'))).toContain('commander');
  });
});
