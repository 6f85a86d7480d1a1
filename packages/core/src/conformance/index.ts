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
