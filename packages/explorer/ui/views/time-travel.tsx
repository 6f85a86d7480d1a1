import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { chronicle } from '../api/chronicle';
import type { StreamState, WireEvent } from '../api/types';
import { EventType } from '../components/event-badges';
import { DiffTree, JsonView } from '../components/json-tree';
import { Empty, ProblemBox } from '../components/problem';
import { formatTime } from '../format';
import { useFetch } from '../hooks/use-fetch';
import { useRouter } from '../router';
import { summarize, diffJson } from '../../src/model/diff';
import { Scrubber } from './scrubber';

const TIMELINE_MAX = 500;

type Step = { current?: StreamState; previous?: StreamState; event?: WireEvent; stateError?: ApiError };

/** Time travel: the folded state after any event, with a diff against the state before it. */
export function TimeTravel({ streamId, version: streamVersion, requested }: { streamId: string; version: number; requested?: number }) {
  const { navigate } = useRouter();
  const [version, setVersion] = useState(Math.min(requested ?? streamVersion, streamVersion));
  const [settled, setSettled] = useState(version);
  const [onlyChanges, setOnlyChanges] = useState(false);
  const cache = useRef(new Map<number, Promise<StreamState>>());
  const noModel = useRef<ApiError | undefined>(undefined);

  // The version this view last wrote to the address bar: an address change to anything else came from
  // outside (back/forward, a link) and moves the scrubber; our own echo must not undo a newer move.
  const written = useRef<number | undefined>(requested);
  useEffect(() => {
    if (requested !== undefined && requested !== written.current) {
      written.current = requested;
      setVersion(Math.min(requested, streamVersion));
    }
  }, [requested, streamVersion]);

  // Dragging fires many versions: fetch the one the user stops on.
  useEffect(() => {
    const timer = setTimeout(() => {
      setSettled(version);
      written.current = version;
      navigate({ name: 'time-travel', streamId, version }, { replace: true });
    }, 90);
    return () => clearTimeout(timer);
  }, [version, streamId, navigate]);

  const stateAt = (v: number): Promise<StreamState> => {
    let known = cache.current.get(v);
    if (!known) {
      known = chronicle.state(streamId, { version: v });
      known.catch(() => cache.current.delete(v));
      cache.current.set(v, known);
    }
    return known;
  };

  const step = useFetch<Step>(`${streamId}@${settled}`, async (signal) => {
    const page = settled > 0 ? chronicle.readStream(streamId, { from: settled, limit: 1 }, { signal }) : undefined;
    let states: [StreamState, StreamState | undefined] | undefined;
    let stateError: ApiError | undefined;
    if (!noModel.current) {
      try {
        states = await Promise.all([stateAt(settled), settled > 0 ? stateAt(settled - 1) : Promise.resolve(undefined)]);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        stateError = error;
        // Without a state model every version fails alike: stop asking, keep showing the events.
        if (error.code === 'STATE_NOT_AVAILABLE') noModel.current = error;
      }
    }
    const event = (await page)?.events[0];
    const failure = stateError ?? noModel.current;
    return { ...(states ? { current: states[0], previous: states[1] } : {}), ...(event ? { event } : {}), ...(failure ? { stateError: failure } : {}) };
  });

  const timeline = useFetch(streamVersion <= TIMELINE_MAX ? `${streamId}#${streamVersion}` : null, (signal) =>
    chronicle.readStream(streamId, { limit: TIMELINE_MAX }, { signal }),
  );

  const jumpToTime = async (iso: string) => {
    try {
      const at = await chronicle.state(streamId, { at: iso });
      setVersion(at.version);
    } catch {
      // an invalid instant: the picker keeps its value, the scrubber stays
    }
  };

  const data = step.data;
  const stateError = data?.stateError;
  const modelMissing = stateError?.code === 'STATE_NOT_AVAILABLE';
  const shownVersion = data?.current?.version;
  const diff = data?.current ? diffJson(data.previous?.state, data.current.state) : undefined;
  const summary = diff && data?.previous ? summarize(diff) : undefined;

  return (
    <div className="time-travel">
      <Scrubber
        version={version}
        max={streamVersion}
        onChange={setVersion}
        eventTime={data?.event?.recordedAt}
        onPickTime={jumpToTime}
        events={timeline.data?.events}
      />
      {stateError ? <ProblemBox error={stateError} title={modelMissing ? "No state model for this stream's category" : 'The state could not be loaded'} /> : null}
      {step.error ? <ProblemBox error={step.error} /> : null}
      <div className="split tt-split">
        <section className="panel" aria-label="state" data-testid="state-panel">
          <div className="panel-bar">
            <h3>
              {shownVersion === undefined ? 'State' : shownVersion === 0 ? 'Initial state' : `State after event ${shownVersion}`}
              <span className="muted"> of {streamVersion}</span>
            </h3>
            {summary ? (
              <div className="diff-summary" data-testid="diff-summary">
                <span className="chip chip-added">+{summary.added} added</span>
                <span className="chip chip-changed">~{summary.changed} changed</span>
                <span className="chip chip-removed">−{summary.removed} removed</span>
              </div>
            ) : null}
            <label className="toggle">
              <input type="checkbox" checked={onlyChanges} onChange={(e) => setOnlyChanges(e.target.checked)} /> only changes
            </label>
          </div>
          <div className={`panel-body ${step.loading ? 'is-loading' : ''}`}>
            {data?.current ? (
              data.previous ? (
                <DiffTree before={data.previous.state} after={data.current.state} hideUnchanged={onlyChanges} label="state diff" />
              ) : (
                <JsonView value={data.current.state} label="state" />
              )
            ) : modelMissing ? (
              <Empty>Register a state model for this category on the server to fold its events.</Empty>
            ) : (
              <Empty>Loading…</Empty>
            )}
          </div>
        </section>
        <section className="panel" aria-label="event at this version">
          <div className="panel-bar">
            <h3>{settled === 0 ? 'Before the first event' : `Event ${settled}`}</h3>
          </div>
          <div className="panel-body">
            {data?.event ? (
              <div className="tt-event">
                <div className="tt-event-head">
                  <EventType event={data.event} />
                  <span className="mono muted">{formatTime(data.event.recordedAt)}</span>
                  <span className="mono muted">global #{data.event.globalPosition}</span>
                </div>
                <JsonView value={data.event.data} label="event data" />
                <h4>metadata</h4>
                <JsonView value={data.event.metadata} label="event metadata" />
              </div>
            ) : (
              <Empty>{settled === 0 ? 'The state every stream of this category starts from.' : 'Loading…'}</Empty>
            )}
          </div>
        </section>
      </div>
    </div>
  );
}
