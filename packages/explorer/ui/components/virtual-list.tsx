import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { RowRange } from '../../src/model/stream-window';

type Props = {
  /** Number of rows (may be huge: only the visible ones are rendered). */
  readonly count: number;
  /** Every row has this height in pixels. */
  readonly rowHeight: number;
  readonly renderRow: (index: number) => ReactNode;
  /** Called with the visible rows whenever they change. */
  readonly onRangeChange?: (range: RowRange) => void;
  /** The selected row: scrolled into view when it changes, moved with the keyboard. */
  readonly selected?: number;
  readonly onSelect?: (index: number) => void;
  readonly overscan?: number;
  readonly label: string;
  readonly className?: string;
};

/**
 * A windowed list: a spacer as tall as all rows and only the rows in view
 * rendered, so 100,000 rows scroll as smoothly as 100. Arrow keys, Page
 * Up/Down, Home and End move the selection; ↑ ↓ also when nothing on the page has focus.
 */
export function VirtualList({ count, rowHeight, renderRow, onRangeChange, selected, onSelect, overscan = 8, label, className }: Props) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  const first = Math.min(count, Math.floor(scrollTop / rowHeight));
  const visible = Math.ceil(height / rowHeight) + 1;
  const last = Math.min(count, first + visible);

  const rangeCallback = useRef(onRangeChange);
  rangeCallback.current = onRangeChange;
  useEffect(() => {
    rangeCallback.current?.({ start: first, end: last });
  }, [first, last]);

  useEffect(() => {
    const element = viewport.current;
    if (!element || selected === undefined || selected < 0) return;
    const top = selected * rowHeight;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + rowHeight > element.scrollTop + element.clientHeight) element.scrollTop = top + rowHeight - element.clientHeight;
  }, [selected, rowHeight]);

  /** Moves the selection for a key; true when the key was one of the list's. */
  const move = (key: string): boolean => {
    if (!onSelect || count === 0) return false;
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const at = selected ?? -1;
    const moves: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: count - 1 };
    const next = moves[key];
    if (next === undefined) return false;
    onSelect(Math.max(0, Math.min(count - 1, next)));
    return true;
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (move(event.key)) event.preventDefault();
  };

  // ↑ ↓ work before anything was clicked: while nothing has focus, the page's first list takes them
  // (and the focus), instead of the page scrolling.
  const moveRef = useRef(move);
  moveRef.current = move;
  useEffect(() => {
    const onDocumentKey = (event: globalThis.KeyboardEvent) => {
      const element = viewport.current;
      const idle = document.activeElement === null || document.activeElement === document.body;
      if (!element || !idle || event.altKey || event.ctrlKey || event.metaKey) return;
      if (document.querySelector('.vlist') !== element || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return;
      if (!moveRef.current(event.key)) return;
      event.preventDefault();
      element.focus({ preventScroll: true });
    };
    document.addEventListener('keydown', onDocumentKey);
    return () => document.removeEventListener('keydown', onDocumentKey);
  }, []);

  const start = Math.max(0, first - overscan);
  const end = Math.min(count, last + overscan);
  const rows: ReactNode[] = [];
  for (let index = start; index < end; index++) {
    rows.push(
      <div
        key={index}
        className={`vrow${index === selected ? ' selected' : ''}`}
        style={{ top: index * rowHeight, height: rowHeight }}
        role="row"
        aria-rowindex={index + 1}
        aria-selected={index === selected}
        onClick={() => onSelect?.(index)}
      >
        {renderRow(index)}
      </div>,
    );
  }
  return (
    <div
      ref={viewport}
      className={`vlist ${className ?? ''}`}
      tabIndex={0}
      role="grid"
      aria-label={label}
      aria-rowcount={count}
      onKeyDown={onKeyDown}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div className="vlist-spacer" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
