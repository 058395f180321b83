import type { ScenarioResult } from '../types.js';
import { failureHeadline } from './failure-format.js';
import type { Reporter, RunStartInfo, TextSink } from './reporter-types.js';

/** The JSON report's shape (version 1): stable keys a CI dashboard can read. */
export interface JsonReport {
  version: 1;
  seed: number;
  runId: string;
  server: string | null;
  jobs: number;
  passed: boolean;
  interrupted: boolean;
  durationMs: number;
  counts: { total: number; passed: number; failed: number; skipped: number };
  /** Sorted by file. Transcripts only with --transcript. */
  results: (Omit<ScenarioResult, 'transcripts'> & {
    /** One line: why it failed; null when it passed. */
    headline: string | null;
    transcripts?: ScenarioResult['transcripts'];
    transcriptFiles?: string[];
  })[];
  skipped: { file: string; name: string }[];
}

/** Writes one JSON document at the end of the run; nothing before it, so stdout stays parseable. */
export function createJsonReporter(out: TextSink, options: { transcripts: boolean }): Reporter {
  let start: RunStartInfo | undefined;
  return {
    onRunStart(info) {
      start = info;
    },
    onRunEnd(summary) {
      const results = summary.results.map(({ transcripts, ...rest }) => ({
        ...rest,
        headline: rest.passed ? null : failureHeadline({ ...rest, transcripts }),
        ...(options.transcripts ? { transcripts, transcriptFiles: summary.transcriptFiles[rest.file] ?? [] } : {}),
      }));
      const passed = results.filter((r) => r.passed).length;
      const report: JsonReport = {
        version: 1,
        seed: summary.seed,
        runId: start?.runId ?? '',
        server: start?.server ?? null,
        jobs: start?.jobs ?? 1,
        passed: summary.passed,
        interrupted: summary.interrupted,
        durationMs: summary.durationMs,
        counts: { total: results.length + summary.skipped.length, passed, failed: results.length - passed, skipped: summary.skipped.length },
        results,
        skipped: summary.skipped,
      };
      out.write(`${JSON.stringify(report, null, 2)}\n`);
    },
  };
}
