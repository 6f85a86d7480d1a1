const filled = {
  first: 'M5 5h2.5v14H5zM19 5l-10 7 10 7z',
  last: 'M16.5 5H19v14h-2.5zM5 5l10 7-10 7z',
  play: 'M7 4.5l12 7.5-12 7.5z',
  pause: 'M6.5 5h4v14h-4zM13.5 5h4v14h-4z',
} as const;

const stroked = {
  previous: 'M15 5l-7 7 7 7',
  next: 'M9 5l7 7-7 7',
} as const;

/** A small icon drawn inline (no icon font, no network). */
export function Icon({ name }: { name: keyof typeof filled | keyof typeof stroked }) {
  const isStroked = name in stroked;
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false">
      {isStroked ? (
        <path d={stroked[name as keyof typeof stroked]} fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />
      ) : (
        <path d={filled[name as keyof typeof filled]} fill="currentColor" />
      )}
    </svg>
  );
}
