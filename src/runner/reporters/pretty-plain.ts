import type { Theme } from './theme.js';
import { failureBlock, finalLine, scenarioLine } from './failure-format.js';
import type { Reporter, RunEndInfo, RunStartInfo, TextSink } from './reporter-types.js';

/** `seed 12345 (rerun with --seed 12345)`, and the run id when users live on a shared server. */
export function runStartLines(info: RunStartInfo, t: Theme): string[] {
  const lines = [`seed ${info.seed} ${t.muted(`(rerun with --seed ${info.seed})`)}`];
  if (info.server !== undefined) lines.push(`run id ${t.value(info.runId)} ${t.muted(`(user ids on ${info.server} start with it)`)}`);
  return lines;
}

/**
 * The pretty reporter without a live terminal (pipes, CI, files): one line per finished
 * scenario in completion order, then one failure block per failed scenario sorted by file,
 * then the final line.
 */
export function createPlainReporter(out: TextSink, t: Theme): Reporter {
  const line = (text: string) => out.write(`${text}\n`);
  return {
    onRunStart(info) {
      runStartLines(info, t).forEach(line);
    },
    onScenarioEnd(result) {
      line(scenarioLine(result, t));
    },
    onRunEnd(summary) {
      writeRunEnd(out, summary, t);
    },
  };
}

/** After the per-scenario lines: a failure block per failed scenario (sorted by file), then the final line. */
export function writeRunEnd(out: TextSink, summary: RunEndInfo, t: Theme): void {
  const line = (text: string) => out.write(`${text}\n`);
  for (const result of summary.results.filter((r) => !r.passed)) {
    line('');
    failureBlock(result, t).forEach(line);
    const files = summary.transcriptFiles[result.file] ?? [];
    if (files.length > 0) line(`  ${t.heading('transcripts')}  ${files.join('  ')}`);
  }
  if (summary.interrupted) line(`\n${t.warn('interrupted:')} scenarios still running were stopped, no new ones started`);
  line('');
  line(finalLine(summary, t, summary.skipped.length));
}
