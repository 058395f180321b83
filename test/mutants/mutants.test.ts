import { describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/runner/reporters/json.js';
import { runSuite, startMutantServer, type MutantId, type SuiteRun } from './broken-servers.js';

/**
 * The scenario suite catches server bugs: a few cheap, telling mutants (test/mutants/broken-servers.ts:
 * the real server with one decorator around its store or bus) each run the scenario file that
 * should catch them through the real CLI (`im scenario run FILE --server URL --reporter json`),
 * which must fail naming the expected invariant rule or failing step — and the same files must
 * pass against the unbroken server, so the catch is no false alarm. `npm run mutants` runs every
 * mutant against the whole suite.
 */

const SEED = 1;

interface Case {
  id: MutantId;
  /** Which path of the mutant the files exercise, when it breaks more than one. */
  via?: string;
  files: string[];
  /** The invariant rule the report must name… */
  rule?: string;
  /** …or the failing step: its text as written, and the reason given. */
  step?: { text: RegExp; reason: RegExp };
}

const CASES: Case[] = [
  // every PUSH twice → the recipient's device gets one msgId twice
  { id: 'duplicated-push', files: ['scenarios/single.yaml'], rule: 'duplicate-delivery' },
  // memberIds() + one outsider → a PUSH of a group the user is not in
  { id: 'group-leak', via: 'memberIds, write diffusion', files: ['scenarios/group.yaml'], rule: 'foreign-conversation' },
  // the same outsider in a node's fan-out cache (memberSnapshot) → a MILLION_GROUP PUSH to them
  { id: 'group-leak', via: 'memberSnapshot, read diffusion', files: ['scenarios/mgroup.yaml'], rule: 'foreign-conversation' },
  // every 4th result reports pts + 1 → acks/pushes skip a pts and repeat the next one
  { id: 'skipped-pts', files: ['scenarios/history-paging.yaml'], rule: 'pts-gap' },
  // every 3rd message loses one member's PUSH → lost, though every member SYNCs from 0 afterwards
  { id: 'lost-push', files: ['scenarios/group-50.yaml'], rule: 'lost' },
  // the stand-in trusts a claimed sender (options.from) → bob's PUSH names carol, not alice
  { id: 'trusted-route-from', files: ['scenarios/spoofing.yaml'], step: { text: /route: \{ convType: single, from: alice \}/, reason: /no matching frame/ } },
  // NOT_FRIENDS answered as BLOCKED → the `expect_error: NOT_FRIENDS` step fails
  { id: 'wrong-error-code', files: ['scenarios/single.yaml'], step: { text: /expect_error: NOT_FRIENDS/, reason: /BLOCKED/ } },
];

async function runAgainst(which: MutantId | 'baseline', files: string[]): Promise<SuiteRun & { fired: number }> {
  const { server, fired } = await startMutantServer(which);
  try {
    const run = await runSuite(server, { paths: files, seed: SEED });
    return { ...run, fired: fired() };
  } finally {
    await server.close();
  }
}

function reportOf(run: SuiteRun): JsonReport {
  if (!run.report) throw new Error(`no JSON report (exit ${run.exitCode}); stderr:\n${run.stderr}`);
  return run.report;
}

describe('the scenario suite against broken servers', () => {
  it('passes against the unbroken server (the same decorators, breaking nothing)', async () => {
    const files = [...new Set(CASES.flatMap((c) => c.files))].sort();
    const run = await runAgainst('baseline', files);
    const report = reportOf(run);
    expect(report.results.map((r) => ({ file: r.file, headline: r.headline }))).toEqual(files.map((file) => ({ file, headline: null })));
    expect(report.results.flatMap((r) => r.violations)).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  // One at a time: each case runs a server and a CLI child; six at once on a loaded 2-core CI
  // machine made step timeouts, not the mutants, decide some runs.
  it.each(CASES.map((c) => ({ ...c, title: c.via === undefined ? c.id : `${c.id} (${c.via})` })))('catches $title', async ({ id, files, rule, step }) => {
    const run = await runAgainst(id, files);
    const report = reportOf(run);
    const said = report.results.map((r) => `${r.file}: ${r.headline ?? 'passed'}`).join('\n');
    // The mutation really happened, and the run failed because of it.
    expect(run.fired, said).toBeGreaterThan(0);
    expect(run.exitCode, said).toBe(1);
    expect(report.passed).toBe(false);
    if (rule !== undefined) {
      expect(report.results.flatMap((r) => r.violations.map((v) => v.rule)), said).toContain(rule);
    }
    if (step !== undefined) {
      const failures = report.results.flatMap((r) => (r.failure ? [r.failure] : []));
      expect(failures.map((f) => ({ text: f.source.text, reason: f.reason }))).toContainEqual({
        text: expect.stringMatching(step.text),
        reason: expect.stringMatching(step.reason),
      });
    }
  });
});
