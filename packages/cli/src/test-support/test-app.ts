// An application module for the CLI tests (`--app`): the Downloads license
// decider with a snapshot policy, and the title-popularity projection at the
// version given by CLI_TEST_PROJECTION_VERSION (default 1).
import { defineApp } from '../app/app-module.js';
import { titlePopularity } from '../../../../apps/downloads/src/app.js';
import { licenseDecider } from '../../../../apps/downloads/src/domain/license.js';

export default defineApp({
  name: 'cli-test',
  deciders: { license: { decider: licenseDecider, snapshot: { name: 'license', schemaVersion: 1 } } },
  projections: [{ projection: { ...titlePopularity, version: Number(process.env.CLI_TEST_PROJECTION_VERSION ?? '1') }, collections: ['title-popularity'] }],
});
