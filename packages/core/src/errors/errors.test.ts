import { describe, expect, it } from 'vitest';
import { allErrorCodes, errorCodes } from './codes.js';
import * as errors from './errors.js';
import { ChronicleError, isChronicleError } from './chronicle-error.js';

describe('errors', () => {
  it('every concrete error class uses a catalogued code', () => {
    const samples: ChronicleError[] = [
      new errors.WrongExpectedVersionError('s', 1, 2),
      new errors.StreamNotFoundError('s'),
      errors.ValidationError.of('x', 'bad'),
      new errors.PayloadTooLargeError('events[0]', 10, 5),
      new errors.DuplicateEventIdError('id'),
      new errors.NotSupportedError('op', 'store'),
      new errors.StoreClosedError('store'),
      new errors.StoreUnavailableError('down', false),
      new errors.StoreCorruptError('damaged'),
    ];
    for (const error of samples) expect(allErrorCodes).toContain(error.code);
    expect(Object.values(errorCodes).every((text) => text.length > 10)).toBe(true);
  });

  it('serializes code, message and fields, and is recognisable', () => {
    const error = new errors.WrongExpectedVersionError('table-1', 3, 'no_stream');
    expect(error.toJSON()).toMatchObject({ code: 'WRONG_EXPECTED_VERSION', streamId: 'table-1', expected: 3, actual: 'no_stream' });
    expect(error.name).toBe('WrongExpectedVersionError');
    expect(error.message).toBe('table-1: expected version 3, found no_stream');
    expect(isChronicleError(error, 'WRONG_EXPECTED_VERSION')).toBe(true);
    expect(isChronicleError(new Error('x'))).toBe(false);
    expect(new errors.StoreUnavailableError('down', true).retryable).toBe(true);
  });
});
