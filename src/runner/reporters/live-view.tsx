import { Box, Static, Text, useStdout } from 'ink';
import type { Theme } from './theme.js';
import { seconds } from './failure-format.js';
import type { LiveRunStore, RunningScenario } from './live-run-store.js';
import { SPINNER, useLiveRun, useTick } from './use-live-run.js';

export interface LiveViewProps {
  store: LiveRunStore;
  theme: Theme;
  /** Terminal height when the stream does not report one (tests). */
  rows: number;
}

function runningLine(r: RunningScenario, spinner: string, now: number, t: Theme): string {
  const step = r.step ? `  ${t.location(`${r.step.file}:${r.step.line}`)} ${r.step.kind}` : '';
  return `${t.running(spinner)} ${r.file}  ${r.name}${step}  ${t.muted(seconds(now - r.startedAt))}`;
}

/**
 * The live run: finished scenarios as permanent ✓/✗ lines (ink <Static>, written once), below
 * them one spinner row per running scenario and a status line. The redrawn part stays at most
 * one row shorter than the terminal: once ink's output reaches the terminal height, ink 6
 * clears the whole screen on every frame.
 */
export function LiveView({ store, theme: t, rows }: LiveViewProps) {
  const state = useLiveRun(store);
  const tick = useTick(!state.done);
  const { stdout } = useStdout();
  const height = Math.max(2, (stdout.rows || rows) - 1);
  const spinner = SPINNER[tick % SPINNER.length] ?? '';
  const now = Date.now();
  const room = height - 1; // the status line
  const shown = state.running.length > room ? state.running.slice(0, room - 1) : state.running;
  const hidden = state.running.length - shown.length;
  const doneCount = state.passed + state.failed;
  const status = [
    `${doneCount}/${state.total} done`,
    t.pass(`${state.passed} passed`),
    state.failed > 0 ? t.fail(`${state.failed} failed`) : '0 failed',
    t.muted(seconds(now - state.startedAt)),
  ].join(' · ');
  return (
    <>
      <Static items={state.finished}>{(f) => <Text key={f.key}>{f.line}</Text>}</Static>
      {!state.done && (
        <Box flexDirection="column">
          {shown.map((r) => (
            <Text key={r.file} wrap="truncate">
              {runningLine(r, spinner, now, t)}
            </Text>
          ))}
          {hidden > 0 && <Text wrap="truncate">{t.muted(`  … and ${hidden} more running`)}</Text>}
          <Text wrap="truncate">{status}</Text>
        </Box>
      )}
    </>
  );
}
