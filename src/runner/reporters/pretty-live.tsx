import { render, type Instance } from 'ink';
import type { Theme } from './theme.js';
import { scenarioLine } from './failure-format.js';
import type { LiveTerminal, Reporter, TextSink } from './reporter-types.js';
import { LiveRunStore } from './live-run-store.js';
import { LiveView } from './live-view.js';
import { runStartLines, writeRunEnd } from './pretty-plain.js';

/**
 * The pretty reporter on an interactive terminal: the seed line, then the ink live view while
 * scenarios run, then (ink gone) the same failure blocks and final line as the plain reporter.
 * Loaded only through the registry's dynamic import, so other runs never start React.
 */
export function createLiveReporter(term: LiveTerminal, t: Theme): Reporter {
  const store = new LiveRunStore();
  const out: TextSink = { write: (text) => term.stdout.write(text) };
  let ink: Instance | undefined;
  return {
    onRunStart(info) {
      for (const line of runStartLines(info, t)) out.write(`${line}\n`);
      store.start(info.files.length);
      ink = render(<LiveView store={store} theme={t} rows={term.rows} />, { stdout: term.stdout, exitOnCtrlC: false, patchConsole: true });
    },
    onScenarioStart(file, name) {
      store.scenarioStarted(file, name);
    },
    onStep(event) {
      store.step(event);
    },
    onScenarioEnd(result) {
      store.scenarioEnded(result.file, result.passed, scenarioLine(result, t));
    },
    async onRunEnd(summary) {
      store.finish();
      // React commits the store change on a later tick; unmounting first would leave the status line on screen.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (ink) {
        ink.unmount();
        await ink.waitUntilExit();
      }
      writeRunEnd(out, summary, t);
    },
  };
}
