import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import type { Decider } from '../decider/decider.js';
import { DomainError } from '../errors/errors.js';
import { spec } from './decider-spec.js';

type Toggled = { type: 'Toggled'; data: { on: boolean } };
class AlreadyOnError extends DomainError {
  constructor() {
    super('ALREADY_ON', 'already on');
  }
}
const toggle: Decider<{ type: 'TurnOn' } | { type: 'TurnOff' }, Toggled, { on: boolean }> = {
  initialState: () => ({ on: false }),
  decide(command, state) {
    if (command.type === 'TurnOn') {
      if (state.on) throw new AlreadyOnError();
      return [{ type: 'Toggled', data: { on: true } }];
    }
    return state.on ? [{ type: 'Toggled', data: { on: false } }] : [];
  },
  evolve: (_state, event) => ({ on: event.data.on }),
};
const on: Toggled = { type: 'Toggled', data: { on: true } };

describe('spec helper', () => {
  it('passes when expectations hold', () => {
    spec(toggle).given([]).when({ type: 'TurnOn' }).then([on]);
    spec(toggle).given([on]).when({ type: 'TurnOn' }).thenThrows(AlreadyOnError);
    spec(toggle).given([on]).when({ type: 'TurnOn' }).thenThrows('ALREADY_ON');
    spec(toggle).given([on]).when({ type: 'TurnOn' }).thenThrows((e) => e instanceof DomainError);
    spec(toggle).given([]).when({ type: 'TurnOff' }).thenNothing();
    spec(toggle).given([on]).when({ type: 'TurnOff' }).thenState({ on: false });
  });

  it('fails with a readable message when they do not', () => {
    expect(() => spec(toggle).given([]).when({ type: 'TurnOn' }).then([])).toThrow(AssertionError);
    expect(() => spec(toggle).given([on]).when({ type: 'TurnOn' }).then([on])).toThrow(/rejected: AlreadyOnError \[ALREADY_ON\]/);
    expect(() => spec(toggle).given([]).when({ type: 'TurnOn' }).thenThrows(AlreadyOnError)).toThrow(/expected the command to be rejected/);
    expect(() => spec(toggle).given([on]).when({ type: 'TurnOn' }).thenThrows('OTHER')).toThrow(/matching code OTHER/);
    expect(() => spec(toggle).given([]).when({ type: 'TurnOn' }).thenNothing()).toThrow(AssertionError);
    expect(() => spec(toggle).given([on]).when({ type: 'TurnOff' }).thenState({ on: true })).toThrow(AssertionError);
  });
});
