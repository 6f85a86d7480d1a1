export { spec, type ErrorExpectation, type ThenStep, type WhenStep } from './decider-spec.js';
