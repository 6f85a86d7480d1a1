const pad = (n: number): string => String(n).padStart(2, '0');

/** `2026-05-07 14:03:22` in the browser's time zone. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `2026-05-07` in the browser's time zone. */
export function formatDate(iso: string): string {
  return formatTime(iso).slice(0, 10);
}

/** The value of a `datetime-local` input for an instant (local time, seconds). */
export function toLocalInput(iso: string): string {
  return formatTime(iso).replace(' ', 'T');
}

/** An instant from a `datetime-local` input value (read as local time), plus `extraMs`. */
export function fromLocalInput(value: string, extraMs = 0): string | undefined {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : new Date(d.getTime() + extraMs).toISOString();
}

/** `1 event`, `3 events`. */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** `3 min ago`, `2 mo ago`. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.floor(h / 24);
  if (d < 30) return `${d} d ago`;
  if (d < 365) return `${Math.floor(d / 30)} mo ago`;
  return `${Math.floor(d / 365)} y ago`;
}

/** `12,345`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
