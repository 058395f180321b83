import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

interface Import {
  /** Relative to src/, as written: `server/store/sqlite/sqlite-store.js`. */
  target: string;
  /** `import type`, `export type`, or braces that hold only `type` names: gone after compilation. */
  typeOnly: boolean;
}

/**
 * Every relative import of `file`: static imports and re-exports (spread over several lines or
 * not), side-effect imports and dynamic `import('…')`.
 */
function imports(file: string): Import[] {
  const src = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const add = (spec: string | undefined, typeOnly: boolean) => {
    if (spec?.startsWith('.')) out.push({ target: relative(root, resolve(dirname(file), spec)), typeOnly });
  };
  for (const m of src.matchAll(/^[ \t]*(?:import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*'([^']+)'/gm)) {
    const clause = (m[2] ?? '').trim();
    const typeNamesOnly = /^\{[^}]*\}$/.test(clause) && clause.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((s) => s.startsWith('type'));
    add(m[3], m[1] !== undefined || typeNamesOnly);
  }
  for (const m of src.matchAll(/^[ \t]*import\s*'([^']+)'/gm)) add(m[1], false);
  for (const m of src.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(m[1], false);
  return out;
}

/** Value imports only: `import type` and inline-type-only imports do not couple modules at run time. */
const valueImports = (file: string): string[] => imports(file).flatMap((i) => (i.typeOnly ? [] : [i.target]));

const matches = (target: string, prefixes: readonly string[]) => prefixes.some((p) => target === p || target.startsWith(`${p}/`));

const RULES: Record<string, string[]> = {
  protocol: ['server', 'client', 'cli'],
  'server/filter': ['server/gateway', 'server/deliver', 'server/sync', 'server/store/sqlite', 'server/store/postgres', 'server/domain'],
  'server/store': ['server/gateway', 'server/filter', 'server/sync', 'server/deliver', 'server/domain'],
  'server/sync': ['server/gateway', 'server/deliver', 'server/filter', 'server/store/sqlite', 'server/store/postgres', 'server/domain'],
  'server/deliver': ['server/gateway', 'server/filter', 'server/store', 'server/sync', 'server/domain'],
  // The domain gets the store and the bus as ports (type-only imports); the gateway calls it.
  'server/domain': ['server/gateway', 'server/filter', 'server/deliver', 'server/store', 'server/sync'],
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

/**
 * The folders under src/, bottom to top, and what each may import, type-only imports included: a
 * type that a lower layer needs belongs in that layer (or below), or the lower layer cannot be
 * read, built or moved without the higher one. The entry point (cli) sits on top.
 */
const LAYERS: Record<string, readonly string[]> = {
  protocol: [],
  client: ['protocol'],
  server: ['protocol'],
  runner: ['protocol', 'client', 'server'],
  // The recorder writes scenario files, so it uses the runner's tables of the scenario format.
  chat: ['protocol', 'client', 'server', 'runner'],
  // The benchmark drives a real `im serve` child process over the wire: it never imports the server.
  bench: ['protocol', 'client'],
  cli: ['protocol', 'client', 'server', 'runner', 'chat', 'bench'],
};

/** Upward imports inside one folder, type-only imports included (STYLE.md: commands parse, services act). */
const UPWARD: Record<string, string[]> = {
  'cli/services': ['cli/commands', 'cli/main.js'],
  'cli/commands': ['cli/main.js'],
};

/** What the runner and `im chat --embedded` may see of the server: the composition root and its config. */
const SERVER_FRONT_DOOR = ['server/create-server.js', 'server/config.js'];

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

/** The src/-relative file an import names: `x.js` is `x.ts` or `x.tsx` on disk. */
function fileOf(target: string): string | undefined {
  const stem = target.replace(/\.(m?js|jsx|tsx?)$/, '');
  return [`${stem}.ts`, `${stem}.tsx`, `${stem}/index.ts`].find((f) => existsSync(join(root, f)));
}

/** src/-relative file → the files it imports, type-only imports and re-exports included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files(root)) {
    const targets = imports(f).flatMap((i) => fileOf(i.target) ?? []);
    graph.set(relative(root, f), [...new Set(targets)]);
  }
  return graph;
}

/** Each import cycle of `graph` once, as `a -> b -> a` (Tarjan's strongly connected components). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(cyclePath(graph, new Set(component)));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One concrete loop through a strongly connected component, from its first file back to it. */
function cyclePath(graph: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>): string {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
    for (const w of graph.get(v) ?? []) {
      if (w === start) {
        const path = [start];
        for (let at: string | undefined = v; at !== start && at !== undefined; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start].join(' -> ');
      }
      if (component.has(w) && !previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component].join(' <-> ');
}

const area = (file: string) => file.split('/')[0] ?? '';

describe('module boundaries (src/server/*/FLOW.md)', () => {
  for (const [area, forbidden] of Object.entries(RULES)) {
    it(`${area} does not import ${forbidden.join(', ')}`, () => {
      const offending = files(join(root, area)).flatMap((f) =>
        valueImports(f)
          .filter((target) => matches(target, forbidden))
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

describe('import direction and cycles (type-only imports count)', () => {
  it('places every folder under src/ in a layer', () => {
    const folders = readdirSync(root).filter((name) => statSync(join(root, name)).isDirectory());
    expect(folders.filter((f) => !(f in LAYERS))).toEqual([]);
  });

  it('imports only from the layers below: protocol <- client, server <- runner <- chat <- cli; client <- bench <- cli', () => {
    const offending = [...importGraph()].flatMap(([file, targets]) =>
      targets.filter((t) => area(t) !== area(file) && !LAYERS[area(file)]?.includes(area(t))).map((t) => `${file} -> ${t}`),
    );
    expect(offending).toEqual([]);
  });

  for (const [folder, forbidden] of Object.entries(UPWARD)) {
    it(`${folder} does not import ${forbidden.join(', ')}, not even a type`, () => {
      const offending = files(join(root, folder)).flatMap((f) =>
        imports(f)
          .filter((i) => matches(i.target, forbidden))
          .map((i) => `${relative(root, f)} -> ${i.target}`),
      );
      expect(offending).toEqual([]);
    });
  }

  it('runner and chat reach the server only through its composition root', () => {
    const offending = ['runner', 'chat'].flatMap((folder) =>
      files(join(root, folder)).flatMap((f) =>
        imports(f)
          .filter((i) => area(i.target) === 'server' && !SERVER_FRONT_DOOR.includes(i.target))
          .map((i) => `${relative(root, f)} -> ${i.target}`),
      ),
    );
    expect(offending).toEqual([]);
  });

  it('has no import cycle anywhere under src/', () => {
    expect(findCycles(importGraph())).toEqual([]);
  });

  it('sees type-only imports, re-exports and multi-line imports (guards the graph against a blind regex)', () => {
    const graph = importGraph();
    expect(graph.get('cli/services/serve.ts')).toContain('server/config.ts'); // import type { … }
    expect(graph.get('protocol/index.ts')?.length).toBeGreaterThan(1); // export * from …
    expect(imports(join(root, 'cli/services/serve.ts'))).toContainEqual({ target: 'server/config.js', typeOnly: true });
    expect(findCycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]))).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
  });
});
