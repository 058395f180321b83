// Regenerates schema/scenario.schema.json from the zod surface (src/runner/surface.ts).
// Run through `npm run schema`, which builds dist/ first. test/runner/load.test.ts fails when
// the committed file drifts from a fresh generation.
import { writeFileSync } from 'node:fs';
import { renderScenarioSchema, SCENARIO_SCHEMA_PATH } from '../dist/runner/schema.js';

writeFileSync(new URL(`../${SCENARIO_SCHEMA_PATH}`, import.meta.url), renderScenarioSchema());
console.log(`wrote ${SCENARIO_SCHEMA_PATH}`);
