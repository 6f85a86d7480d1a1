import { decisionEvents, type EventStore, type RecordedEvent } from '@chronicle/core';
import type { AnyDecider, Rejection } from '../app/app-module.js';
import { stableJson } from './stable-json.js';

/** A decider under test, with an optional way to recover past commands. */
export type ShadowDecider = AnyDecider & { readonly commandOf?: (events: readonly RecordedEvent[], context: unknown) => unknown };

/** A stream whose state differs between the current and the new decider. */
export type Divergence = { readonly streamId: string; readonly version: number; readonly current: unknown; readonly shadow: unknown };

/** What a shadow replay found. */
export type ShadowReport = {
  readonly category: string;
  readonly streams: number;
  readonly events: number;
  readonly divergences: readonly Divergence[];
  /** Past commands the new decider rejects; `alsoByCurrent` marks those today's decider rejects too (history the rules never allowed). */
  readonly rejections: readonly (Rejection & { readonly alsoByCurrent: boolean })[];
  /** Streams the new decider could not replay (its `evolve` threw). */
  readonly failures: readonly { readonly streamId: string; readonly streamPosition: number; readonly message: string }[];
};

/** Options of {@link shadowReplay}. */
export type ShadowOptions = {
  readonly store: EventStore;
  readonly category: string;
  readonly current: ShadowDecider;
  readonly next: ShadowDecider;
  /** Handed to `commandOf` (the app's replay context, e.g. the rules in force at each time). */
  readonly context?: unknown;
  readonly onProgress?: (done: number, total: number) => void;
};

type Call = (command: unknown, state: unknown) => unknown;
type Evolve = (state: unknown, event: RecordedEvent) => unknown;

function groupKey(event: RecordedEvent): string {
  const { causationId, requestId } = event.metadata;
  return typeof causationId === 'string' ? `c:${causationId}` : typeof requestId === 'string' ? `r:${requestId}` : `e:${event.eventId}`;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'ERROR';
}

/** Runs `decide`, returning the error it threw (a rejection), if any. */
function rejects(decider: ShadowDecider, command: unknown, state: unknown): unknown {
  if (!decider.decide) return undefined;
  try {
    decisionEvents((decider.decide as Call)(command, state));
    return undefined;
  } catch (error) {
    return error ?? new Error('rejected');
  }
}

/**
 * Shadow replay: folds every stream of a category through both the current
 * and a new decider, and reports streams whose final states differ. Events
 * that share a `causationId` (or `requestId`) form one command's decision; when
 * the command can be recovered (`commandOf`, else `metadata.command`), the new
 * decider decides it again on the state before it, and a throw is reported as
 * a rejection. History is fact: both states always evolve with the recorded
 * events. Nothing is written.
 */
export async function shadowReplay(options: ShadowOptions): Promise<ShadowReport> {
  const { store, category, current, next } = options;
  const prefix = `${category}-`;
  let total = 0;
  for await (const _ of store.listStreams({ prefix })) total++;
  const commandOf = next.commandOf ?? current.commandOf ?? ((group: readonly RecordedEvent[]) => group[0]?.metadata.command);
  const divergences: Divergence[] = [];
  const rejections: ShadowReport['rejections'][number][] = [];
  const failures: ShadowReport['failures'][number][] = [];
  let streams = 0;
  let events = 0;
  for await (const { streamId, version } of store.listStreams({ prefix })) {
    let currentState = current.initialState();
    let nextState = next.initialState();
    let group: RecordedEvent[] = [];
    let failed = false;
    const settle = (): void => {
      if (group.length === 0 || failed) return;
      const command = commandOf(group, options.context);
      if (command !== undefined) {
        const error = rejects(next, command, nextState);
        if (error !== undefined) {
          const first = group[0]!;
          rejections.push({
            streamId,
            streamPosition: first.streamPosition,
            globalPosition: first.globalPosition,
            at: first.recordedAt.toISOString(),
            command,
            code: errorCode(error),
            message: error instanceof Error ? error.message : String(error),
            alsoByCurrent: rejects(current, command, currentState) !== undefined,
          });
        }
      }
      for (const event of group) {
        currentState = (current.evolve as Evolve)(currentState, event);
        try {
          nextState = (next.evolve as Evolve)(nextState, event);
        } catch (error) {
          failures.push({ streamId, streamPosition: event.streamPosition, message: (error as Error).message });
          failed = true;
          break;
        }
      }
      group = [];
    };
    for await (const event of store.readStream(streamId)) {
      events++;
      if (group.length > 0 && groupKey(group[0]!) !== groupKey(event)) settle();
      group.push(event);
    }
    settle();
    if (!failed && stableJson(currentState) !== stableJson(nextState)) divergences.push({ streamId, version, current: currentState, shadow: nextState });
    streams++;
    options.onProgress?.(streams, total);
  }
  return { category, streams, events, divergences, rejections, failures };
}
