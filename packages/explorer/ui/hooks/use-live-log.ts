import { useCallback, useEffect, useRef, useState } from 'react';
import { chronicle } from '../api/chronicle';
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
 * Reads the last page of `GET /v1/all`, then follows `GET /v1/subscribe`
 * (Server-Sent Events) from the position after it; the browser's EventSource
 * reconnects by itself with `Last-Event-ID`, so nothing is missed or repeated.
 */
export function useLiveLog(): LiveLog {
  const [events, setEvents] = useState<readonly WireEvent[]>([]);
  const [state, setState] = useState<LiveState>('connecting');
  const [hasOlder, setHasOlder] = useState(false);
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const paused = useRef(false);
  const buffer = useRef<WireEvent[]>([]);
  const [pending, setPending] = useState(0);
  const loadingOlder = useRef(false);

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    let failures = 0;
    // The newest global position received: where a new EventSource resumes.
    let last = 0;
    const follow = (from: number): void => {
      source = new EventSource(chronicle.subscribeUrl(from));
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
      const { head } = await chronicle.readAll({ limit: 1 });
      const from = Math.max(1, head - PAGE + 1);
      const page = head > 0 ? await chronicle.readAll({ from, limit: PAGE }) : { events: [] };
      if (closed) return;
      setEvents([...page.events].reverse());
      setHasOlder(from > 1);
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
  }, []);

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
    if (loadingOlder.current) return;
    const oldest = events[events.length - 1];
    if (!oldest || oldest.globalPosition <= 1) return;
    loadingOlder.current = true;
    const from = Math.max(1, oldest.globalPosition - PAGE);
    chronicle
      .readAll({ from, limit: PAGE })
      .then((page) => {
        const older = page.events.filter((e) => e.globalPosition < oldest.globalPosition).reverse();
        setEvents((list) => [...list, ...older]);
        setHasOlder(from > 1);
      })
      .finally(() => {
        loadingOlder.current = false;
      });
  }, [events]);

  return { events, state, pending, fresh, hasOlder, loadOlder, setPaused };
}
