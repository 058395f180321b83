import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of the `## title` section, up to the next `## `. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('README: what a new reader meets before the first command works', () => {
  it('lists the tools that compile better-sqlite3 before the npm ci to run, and says npm ci is silent meanwhile', () => {
    const quickStart = section('Quick start');
    const prerequisites = quickStart.slice(0, quickStart.indexOf('```sh\nnpm ci'));
    for (const tool of ['python3', 'make', 'g++']) expect(prerequisites).toContain(`\`${tool}\``);
    expect(prerequisites).toMatch(/better-sqlite3/);
    expect(prerequisites).toMatch(/prints nothing for 1 to 2\.5 minutes/);
  });

  it('warns about the 60 s idle close before the first wscat step of the tour, and starts the server so it does not happen', () => {
    const tour = section('A 60-second tour');
    const firstWscat = tour.indexOf('wscat -c');
    expect(firstWscat).toBeGreaterThan(-1);
    const beforeIt = tour.slice(0, firstWscat);
    expect(beforeIt).toMatch(/60 s/);
    expect(beforeIt).toMatch(/4000/);
    // The server the tour uses keeps idle sessions open for longer than a reader needs.
    expect(beforeIt).toMatch(/```sh\n(npx )?im serve --idle-timeout 10m\b/);
  });
});
