export { describeEventStore, conformanceCases, type DescribeEventStoreOptions } from './describe-event-store.js';
export {
  conformanceRules,
  contextFor,
  collect,
  events,
  rejection,
  type ConformanceCase,
  type ConformanceContext,
  type ConformanceRule,
} from './case.js';
export { describeProjectionStore, projectionCases } from './projections/describe-projection-store.js';
export type { ProjectionCase, ProjectionCaseContext, ProjectionStore, ProjectionStoreFactory } from './projections/context.js';
export { countingProjection } from './projections/inline-cases.js';
export { legacyLicenseSchemas } from './projections/legacy-license.js';
