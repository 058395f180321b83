import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A SQLite user never loads pg or ioredis: the drivers are imported only by their adapters, and
 * the adapters only by the composition root, dynamically, once a postgres:// or redis:// URL is
 * given.
 */

const root = resolve(import.meta.dirname, '../../src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
const source = files(root).map((file) => ({ file: relative(root, file), text: readFileSync(file, 'utf8') }));

const DRIVERS: Record<string, string> = { pg: 'server/store/postgres/', ioredis: 'server/sync/redis/' };

/** Static imports and re-exports of `spec` (value or type-only), not `import('…')`. */
const staticImportOf = (text: string, spec: string) =>
  new RegExp(`^[ \\t]*(?:import|export)\\s[^;]*?from\\s*'${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`, 'm').test(text);

/** A static, non-type import or re-export of a module in `folder` (e.g. `server/store/postgres/`). */
function staticValueImportOf(folder: string): RegExp {
  const inFolder = folder.replace(/^server\//, '').replace(/\//g, '\\/');
  return new RegExp(`(?:^|\\n)[ \\t]*(?:import|export)\\s+(?!type\\s)[^;]*?from\\s*'[^']*${inFolder}[^']*'`);
}

describe('cluster drivers are loaded lazily', () => {
  it.each(Object.entries(DRIVERS))('imports %s only inside %s', (driver, folder) => {
    const offenders = source.filter(({ file, text }) => !file.startsWith(folder) && (staticImportOf(text, driver) || text.includes(`import('${driver}')`)));
    expect(offenders.map((o) => o.file)).toEqual([]);
  });

  it.each(Object.values(DRIVERS))('imports the adapter folder %s only dynamically (or for types), from outside it', (folder) => {
    const staticValueImport = staticValueImportOf(folder);
    const offenders = source.filter(({ file, text }) => !file.startsWith(folder) && staticValueImport.test(text));
    expect(offenders.map((o) => o.file)).toEqual([]);
  });

  it('would catch a static import spread over lines, and lets a dynamic or type-only one pass', () => {
    const staticValueImport = staticValueImportOf('server/store/postgres/');
    expect(staticValueImport.test("import {\n  PostgresStore,\n} from './store/postgres/postgres-store.js';")).toBe(true);
    expect(staticValueImport.test("export * from '../store/postgres/index.js';")).toBe(true);
    expect(staticValueImport.test("import type { PostgresStore } from './store/postgres/postgres-store.js';")).toBe(false);
    expect(staticValueImport.test("const { PostgresStore } = await import('./store/postgres/postgres-store.js');")).toBe(false);
  });
});
