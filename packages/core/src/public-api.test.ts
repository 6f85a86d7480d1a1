import { describe, expect, expectTypeOf, it } from 'vitest';
import * as core from './index.js';
import type { AppendResult, Decider, EventStore, ExpectedVersion, NewEvent, RecordedEvent, StoreInfo } from './index.js';

describe('public API', () => {
  it('exports the documented entry points', () => {
    for (const name of [
      'createInMemoryStore',
      'createCommandHandler',
      'aggregateStream',
      'fold',
      'prepareEvents',
      'checkExpectedVersion',
      'subscribeToAll',
      'WrongExpectedVersionError',
      'DomainError',
      'errorCodes',
    ]) {
      expect(core, name).toHaveProperty(name);
    }
  });

  it('pins the shapes of the contract types', () => {
    expectTypeOf<ExpectedVersion>().toEqualTypeOf<'any' | 'no_stream' | 'stream_exists' | number>();
    expectTypeOf<EventStore['append']>().parameters.toEqualTypeOf<[string, readonly NewEvent[], ExpectedVersion]>();
    expectTypeOf<EventStore['append']>().returns.toEqualTypeOf<Promise<AppendResult>>();
    expectTypeOf<EventStore['readStream']>().returns.toEqualTypeOf<AsyncIterable<RecordedEvent>>();
    expectTypeOf<AppendResult['nextExpectedVersion']>().toEqualTypeOf<number>();
    expectTypeOf<RecordedEvent['recordedAt']>().toEqualTypeOf<Date>();
    expectTypeOf<StoreInfo['multiStreamAppend']>().toEqualTypeOf<boolean>();
    expectTypeOf<Decider<{ type: 'C' }, { type: 'E'; data: null }, number>['decide']>().returns.toEqualTypeOf<
      { type: 'E'; data: null } | readonly { type: 'E'; data: null }[]
    >();
    expectTypeOf(core.createInMemoryStore).returns.toExtend<EventStore>();
  });
});
