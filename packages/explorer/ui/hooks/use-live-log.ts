import { useCallback, useEffect, useRef, useState } from 'react';
import { chronicle, type LogFilter } from '../api/chronicle';
import type { WireEvent } from '../api/types';

/** Connection state of the live feed. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'paused';

/** Events kept in the list at most (newest first); older ones are dropped. */
const KEEP = 5_000;
const PAGE = 100;

/** The global log, newest first: the latest page, then live over SSE; older pages on demand. */
export type LiveLog = {
  readonly events: readonly WireEvent[];
  readonly state: LiveState;
  /** Events that arrived while paused. */
  readonly pending: number;
  /** Global positions that arrived live (to highlight). */
  readonly fresh: ReadonlySet<number>;
  readonly hasOlder: boolean;
  loadOlder(): void;
  setPaused(paused: boolean): void;
};

/**
 * Reads the newest page of `GET /v1/all`, then follows `GET /v1/subscribe`
 * (Server-Sent Events) from the position after the head it read; the browser's EventSource
 * reconnects by itself with `Last-Event-ID`, so nothing is missed or repeated.
 * A `filter` (event types, stream prefix) is applied by the store on both; a new filter starts over.
 */
export function useLiveLog(filter: LogFilter = {}): LiveLog {
  const { types, streamPrefix } = filter;
  const [events, setEvents] = useState<readonly WireEvent[]>([]);
  const [state, setState] = useState<LiveState>('connecting');
  const [hasOlder, setHasOlder] = useState(false);
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const paused = useRef(false);
  const buffer = useRef<WireEvent[]>([]);
  const [pending, setPending] = useState(0);
  const loadingOlder = useRef(false);
  // Where the next older page starts (a backwards read's `next`), and which filter it belongs to.
  const older = useRef<{ next: number | null; generation: number }>({ next: null, generation: 0 });

  useEffect(() => {
    const only: LogFilter = { ...(types ? { types } : {}), ...(streamPrefix ? { streamPrefix } : {}) };
    const generation = older.current.generation + 1;
    older.current = { next: null, generation };
    loadingOlder.current = false;
    buffer.current = [];
    setPending(0);
    setEvents([]);
    setFresh(new Set());
    setHasOlder(false);
    setState('connecting');
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    let failures = 0;
    // The newest global position received: where a new EventSource resumes.
    let last = 0;
    const follow = (from: number): void => {
      source = new EventSource(chronicle.subscribeUrl(from, only));
      source.onopen = () => {
        failures = 0;
        setState(paused.current ? 'paused' : 'live');
      };
      source.onerror = () => {
        setState('reconnecting');
        // A network error is retried by the EventSource itself; an HTTP error (a 503 while the server shuts down
        // or is at its subscriber limit) closes it for good, so a new one is opened, waiting longer each time.
        if (source?.readyState !== EventSource.CLOSED || closed) return;
        failures += 1;
        retry = setTimeout(() => follow(last + 1), Math.min(1_000 * 2 ** (failures - 1), 15_000));
      };
      source.addEventListener('event', (message) => {
        const event = JSON.parse((message as MessageEvent<string>).data) as WireEvent;
        if (event.globalPosition <= last) return;
        last = event.globalPosition;
        if (paused.current) {
          buffer.current.push(event);
          setPending(buffer.current.length);
          return;
        }
        setEvents((list) => (list.length > 0 && list[0]!.globalPosition >= event.globalPosition ? list : [event, ...list].slice(0, KEEP)));
        setFresh((set) => new Set([...set, event.globalPosition].slice(-50)));
      });
    };
    const begin = async (): Promise<void> => {
      // The head first, then the page up to it: the subscription starts right after, whatever is appended meanwhile.
      const { head } = await chronicle.readAll({ limit: 1 });
      const page = head > 0 ? await chronicle.readAll({ from: head, limit: PAGE, direction: 'backwards', ...only }) : { events: [], next: null };
      if (closed) return;
      setEvents(page.events);
      older.current = { next: page.next, generation };
      setHasOlder(page.next !== null);
      last = head;
      follow(head + 1);
    };
    const attempt = (): void => {
      begin().catch(() => {
        // The server is not reachable yet: try again, as the EventSource would.
        setState('reconnecting');
        if (!closed) retry = setTimeout(attempt, 2_000);
      });
    };
    attempt();
    return () => {
      closed = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [types, streamPrefix]);

  const setPaused = useCallback((next: boolean) => {
    paused.current = next;
    setState(next ? 'paused' : 'live');
    if (!next && buffer.current.length > 0) {
      const arrived = buffer.current.reverse();
      buffer.current = [];
      setPending(0);
      setEvents((list) => [...arrived, ...list].slice(0, KEEP));
      setFresh(new Set(arrived.map((e) => e.globalPosition)));
    }
  }, []);

  const loadOlder = useCallback(() => {
    const { next, generation } = older.current;
    if (loadingOlder.current || next === null) return;
    loadingOlder.current = true;
    const only: LogFilter = { ...(types ? { types } : {}), ...(streamPrefix ? { streamPrefix } : {}) };
    chronicle
      .readAll({ from: next, limit: PAGE, direction: 'backwards', ...only })
      .then((page) => {
        // A page for a filter that has since changed is dropped.
        if (older.current.generation !== generation) return;
        older.current = { next: page.next, generation };
        setEvents((list) => {
          const oldest = list[list.length - 1]?.globalPosition ?? Infinity;
          return [...list, ...page.events.filter((e) => e.globalPosition < oldest)];
        });
        setHasOlder(page.next !== null);
      })
      .finally(() => {
        if (older.current.generation === generation) loadingOlder.current = false;
      });
  }, [types, streamPrefix]);

  return { events, state, pending, fresh, hasOlder, loadOlder, setPaused };
}
