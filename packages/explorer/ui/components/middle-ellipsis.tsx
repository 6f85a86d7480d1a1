import type { ClipboardEvent } from 'react';

/** How many trailing characters stay visible when an id is cut (a UUID's last group and a bit). */
const TAIL = 14;

/**
 * Text that, when too wide, is cut in the middle (`license-f9812a7d…42ea-8b49-d1c0`), so an id's suffix stays
 * visible. The whole text stays in the page: the tooltip shows it and copying a selection copies it.
 */
export function MiddleEllipsis({ text, className }: { text: string; className?: string }) {
  const cut = Math.max(0, text.length - TAIL);
  // Head and tail are flex items, which the browser's copy separates with a line break: put them back together.
  const onCopy = (event: ClipboardEvent<HTMLSpanElement>) => {
    const selected = window.getSelection()?.toString() ?? '';
    if (!selected.includes('\n')) return;
    event.clipboardData.setData('text/plain', selected.replaceAll('\n', ''));
    event.preventDefault();
  };
  return (
    <span className={`middle-ellipsis ${className ?? ''}`} title={text} data-full={text} onCopy={onCopy}>
      {cut > 0 ? <span className="head">{text.slice(0, cut)}</span> : null}
      <span className="tail">{text.slice(cut)}</span>
    </span>
  );
}
