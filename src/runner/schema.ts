import { z } from 'zod';
import { scenarioSurface } from './surface.js';

/** Where the generated schema is committed, relative to the package root. */
export const SCENARIO_SCHEMA_PATH = 'schema/scenario.schema.json';

/**
 * The JSON Schema of a scenario file, generated from the zod surface (surface.ts), for editor
 * completion and checking (yaml-language-server). It describes shape only: names of users,
 * devices and groups, and the meaning checks of the loader, are `im scenario check`'s job.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(scenarioSurface(), { target: 'draft-7', io: 'input', unrepresentable: 'any' });
  return {
    $schema: generated.$schema,
    title: 'im scenario',
    description: 'A scenario file for `im scenario run` (docs/scenarios.md).',
    ...generated,
  };
}

/** The committed file's exact text: stable key order, two-space indent, trailing newline. */
export function renderScenarioSchema(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
