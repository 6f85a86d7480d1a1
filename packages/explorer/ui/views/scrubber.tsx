import { useEffect, useState } from 'react';
import type { WireEvent } from '../api/types';
import { Icon } from '../components/icons';
import { fromLocalInput, toLocalInput } from '../format';

type Props = {
  readonly version: number;
  readonly max: number;
  readonly onChange: (version: number) => void;
  /** When the event at `version` was recorded (fills the date/time picker). */
  readonly eventTime: string | undefined;
  readonly onPickTime: (iso: string) => void;
  /** The stream's events when it is short enough to show them all as steps. */
  readonly events: readonly WireEvent[] | undefined;
};

/**
 * The time-travel controls: a slider over versions (arrow keys, Page Up/Down,
 * Home/End), step buttons, play, a version field, a date/time picker and, for
 * short streams, every event as a clickable step. ← and → step from anywhere.
 */
export function Scrubber({ version, max, onChange, eventTime, onPickTime, events }: Props) {
  const [playing, setPlaying] = useState(false);
  const [picked, setPicked] = useState('');
  const clamp = (v: number) => Math.max(0, Math.min(max, v));

  useEffect(() => {
    if (eventTime) setPicked(toLocalInput(eventTime));
  }, [eventTime]);

  useEffect(() => {
    if (!playing) return;
    if (version >= max) {
      setPlaying(false);
      return;
    }
    const timer = setTimeout(() => onChange(version + 1), 700);
    return () => clearTimeout(timer);
  }, [playing, version, max, onChange]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && (target.closest('input, textarea, select, [role=grid]') || event.altKey || event.ctrlKey || event.metaKey)) return;
      const moves: Record<string, number> = { ArrowLeft: version - 1, ArrowRight: version + 1, Home: 0, End: max };
      const next = moves[event.key];
      if (next === undefined) return;
      event.preventDefault();
      onChange(clamp(next));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <section className="scrubber panel" aria-label="time travel">
      <div className="scrubber-row">
        <div className="step-buttons" role="group" aria-label="step">
          <button type="button" aria-label="First" title="First (Home)" onClick={() => onChange(0)} disabled={version === 0}>
            <Icon name="first" />
          </button>
          <button type="button" aria-label="Previous" title="Previous (←)" onClick={() => onChange(clamp(version - 1))} disabled={version === 0}>
            <Icon name="previous" />
          </button>
          <button type="button" aria-label={playing ? 'Pause' : 'Play'} title="Replay event by event" onClick={() => setPlaying(!playing)} disabled={!playing && version >= max}>
            <Icon name={playing ? 'pause' : 'play'} />
          </button>
          <button type="button" aria-label="Next" title="Next (→)" onClick={() => onChange(clamp(version + 1))} disabled={version >= max}>
            <Icon name="next" />
          </button>
          <button type="button" aria-label="Last" title="Last (End)" onClick={() => onChange(max)} disabled={version >= max}>
            <Icon name="last" />
          </button>
        </div>
        <input
          className="slider"
          type="range"
          min={0}
          max={max}
          step={1}
          value={version}
          aria-label="version"
          aria-valuetext={`version ${version} of ${max}`}
          onChange={(e) => onChange(Number(e.target.value))}
        />
        <label className="version-field">
          <span>version</span>
          <input
            type="number"
            min={0}
            max={max}
            value={version}
            aria-label="version number"
            onChange={(e) => e.target.value !== '' && onChange(clamp(Math.round(Number(e.target.value))))}
          />
          <span className="muted">/ {max}</span>
        </label>
        <label className="time-field">
          <span>as of</span>
          <input
            type="datetime-local"
            step={1}
            value={picked}
            aria-label="as of date and time"
            onChange={(e) => {
              setPicked(e.target.value);
              // "As of 19:38:19" includes everything recorded during that second.
              const iso = fromLocalInput(e.target.value, 999);
              if (iso) onPickTime(iso);
            }}
          />
        </label>
      </div>
      {events && events.length > 0 ? (
        <ol className="steps" aria-label="events">
          <li>
            <button type="button" className={version === 0 ? 'current' : ''} onClick={() => onChange(0)}>
              <span className="mono">0</span> initial
            </button>
          </li>
          {events.map((event) => (
            <li key={event.streamPosition}>
              <button
                type="button"
                className={`${event.streamPosition === version ? 'current' : ''} ${event.streamPosition > version ? 'future' : ''}`}
                aria-current={event.streamPosition === version ? 'step' : undefined}
                onClick={() => onChange(event.streamPosition)}
              >
                <span className="mono">{event.streamPosition}</span> {event.type}
              </button>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}
