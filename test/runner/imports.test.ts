import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The runner's own module graph: every import counts, `import type`, re-exports and the
 * reporters' dynamic `import()` included, since a type-only cycle still ties two modules'
 * meaning together. The runner is used by the CLI and must not reach back into it.
 */

const SRC = resolve(import.meta.dirname, '../../src');
const RUNNER = join(SRC, 'runner') + sep;
const CLI = join(SRC, 'cli') + sep;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

const SPECIFIER = /(?:^\s*import\s[^;]*?from\s*|^\s*export\s[^;]*?from\s*|import\(\s*)'(\.[^']+)'/gms;

/** The source files a file imports, relative specifiers only (`.js` resolved to `.ts` / `.tsx`). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => {
    const base = resolve(dirname(file), m[1] ?? '').replace(/\.js$/, '');
    const found = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((candidate) => statSync(candidate, { throwIfNoEntry: false })?.isFile());
    return found ?? base;
  });
}

/** Every cycle reachable in the graph, each as `a → b → a` (found by depth-first search). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      found.push([...path.slice(at), node].map((f) => relative(SRC, f)).join(' → '));
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node, []);
  return found;
}

describe('src/runner imports', () => {
  const graph = new Map(files(RUNNER).map((f) => [f, imports(f)]));

  it('form no cycle, type-only and dynamic imports included', () => {
    const inside = new Map([...graph].map(([f, targets]) => [f, targets.filter((t) => t.startsWith(RUNNER))]));
    expect(cycles(inside)).toEqual([]);
  });

  it('never reach into src/cli', () => {
    const upward = [...graph].flatMap(([f, targets]) => targets.filter((t) => t.startsWith(CLI)).map((t) => `${relative(SRC, f)} → ${relative(SRC, t)}`));
    expect(upward).toEqual([]);
  });
});
