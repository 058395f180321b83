import type { Reporter, ReporterOptions } from './reporter-types.js';

export const REPORTER_NAMES = ['pretty', 'json', 'junit'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

/** The registry: each factory loads its module on demand, so ink/React load only for a live view. */
export const REPORTERS: Record<ReporterName, (options: ReporterOptions) => Promise<Reporter>> = {
  async pretty(options) {
    if (options.live) {
      const { createLiveReporter } = await import('./pretty-live.js');
      return createLiveReporter(options.live, options.theme);
    }
    const { createPlainReporter } = await import('./pretty-plain.js');
    return createPlainReporter(options.out, options.theme);
  },
  async json(options) {
    const { createJsonReporter } = await import('./json.js');
    return createJsonReporter(options.out, { transcripts: options.transcripts });
  },
  async junit(options) {
    const { createJunitReporter } = await import('./junit.js');
    return createJunitReporter(options.out);
  },
};

/** Several reporters as one: each hook runs on every reporter, in order. */
export function fanOut(reporters: Reporter[]): Required<Reporter> {
  return {
    async onRunStart(info) {
      for (const r of reporters) await r.onRunStart?.(info);
    },
    async onScenarioStart(file, name) {
      for (const r of reporters) await r.onScenarioStart?.(file, name);
    },
    onStep(event) {
      for (const r of reporters) r.onStep?.(event);
    },
    async onScenarioEnd(result) {
      for (const r of reporters) await r.onScenarioEnd?.(result);
    },
    async onRunEnd(summary) {
      for (const r of reporters) await r.onRunEnd?.(summary);
    },
  };
}
