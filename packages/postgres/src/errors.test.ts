import { DuplicateEventIdError, StoreUnavailableError, WrongExpectedVersionError } from '@chronicle/core';
import { describe, expect, it } from 'vitest';
import { isTransient, toStoreError } from './errors.js';

const serverError = (code: string, severity = 'ERROR', extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(`server ${code}`), { code, severity, ...extra });

describe('toStoreError', () => {
  it('maps a duplicate event id to DUPLICATE_EVENT_ID with the id', () => {
    const error = toStoreError(
      serverError('23505', 'ERROR', { constraint: 'events_event_id_key', detail: 'Key (event_id)=(0f8fad5b-d9cb-469f-a165-70867728950e) already exists.' }),
      true,
    );
    expect(error).toBeInstanceOf(DuplicateEventIdError);
    expect((error as DuplicateEventIdError).eventId).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
  });

  it('connection loss while committing leaves the outcome unknown', () => {
    for (const cause of [serverError('57P01', 'FATAL'), Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), new Error('Connection terminated unexpectedly')]) {
      const error = toStoreError(cause, true) as StoreUnavailableError;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.retryable).toBe(true);
      expect(error.outcomeUnknown).toBe(true);
      expect(error.cause).toBe(cause);
    }
  });

  it('an ordinary server ERROR means rolled back: retryable with a known outcome', () => {
    for (const code of ['57014', '40001', '40P01', '53300']) {
      const error = toStoreError(serverError(code), true) as StoreUnavailableError;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.outcomeUnknown).toBe(false);
    }
  });

  it('a FATAL on connect (database not accepting connections, being recreated) is an outage, not a bug', () => {
    for (const code of ['55000', '3D000']) {
      const error = toStoreError(serverError(code, 'FATAL'), false) as StoreUnavailableError;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.outcomeUnknown).toBe(false);
    }
    expect(isTransient(serverError('55000', 'ERROR'))).toBe(false);
  });

  it('failures outside a commit are never of unknown outcome', () => {
    expect((toStoreError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false) as StoreUnavailableError).outcomeUnknown).toBe(false);
  });

  it('passes Chronicle errors and unexpected errors through', () => {
    const conflict = new WrongExpectedVersionError('s', 1, 2);
    expect(toStoreError(conflict, true)).toBe(conflict);
    const syntax = serverError('42601');
    expect(toStoreError(syntax, true)).toBe(syntax);
    expect(isTransient(syntax)).toBe(false);
  });
});
