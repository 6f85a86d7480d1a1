export { ChronicleError, isChronicleError } from './chronicle-error.js';
export { errorCodes, allErrorCodes, type ChronicleErrorCode } from './codes.js';
export {
  WrongExpectedVersionError,
  StreamNotFoundError,
  ValidationError,
  PayloadTooLargeError,
  DuplicateEventIdError,
  RetryMismatchError,
  NotSupportedError,
  StoreClosedError,
  StoreUnavailableError,
  StoreCorruptError,
  BrokerDeliveryError,
  DomainError,
  type ValidationIssue,
} from './errors.js';
