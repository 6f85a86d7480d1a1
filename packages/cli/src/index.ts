// The CLI as a library: the types an application module (`--app`,
// `chronicle.config.*`) implements, and the checks the commands run.
export { defineApp, type AnyDecider, type AppDecider, type AppProjection, type ChronicleApp, type OnProgress, type Rejection } from './app/app-module.js';
export { shadowReplay, type Divergence, type ShadowDecider, type ShadowOptions, type ShadowReport } from './shadow/shadow-replay.js';
export { verifyStore, type VerifyReport } from './verify/verify-store.js';
export { checkImport, type ImportCheck, type ImportConflict } from './import/check-import.js';
export { applyImport } from './import/apply-import.js';
export { exitCodes } from './errors.js';
