import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useToken } from '../hooks/use-token';

/** Shows read-only / admin mode; lets the user enter or forget the API token (sessionStorage). */
export function TokenControl() {
  const [token, setToken] = useToken();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    const onPointer = (event: MouseEvent) => !root.current?.contains(event.target as Node) && setOpen(false);
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', onPointer);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', onPointer);
    };
  }, [open]);
  const save = (event: FormEvent) => {
    event.preventDefault();
    setToken(draft.trim());
    setDraft('');
    setOpen(false);
  };
  return (
    <div className="token-control" ref={root}>
      <button type="button" className={`mode ${token ? 'mode-admin' : ''}`} aria-expanded={open} onClick={() => setOpen(!open)}>
        {token ? 'Token set' : 'Read-only'}
      </button>
      {open ? (
        <div className="popover" role="dialog" aria-label="API token">
          {token ? (
            <>
              <p>A token is kept for this tab. It unlocks projection rebuilds.</p>
              <button type="button" onClick={() => (setToken(''), setOpen(false))}>
                Forget token
              </button>
            </>
          ) : (
            <form onSubmit={save}>
              <label htmlFor="token-input">API token</label>
              <p className="muted">Kept in this tab only (sessionStorage). It unlocks projection rebuilds; everything else is read-only.</p>
              <input id="token-input" type="password" autoComplete="off" value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus />
              <button type="submit" disabled={!draft.trim()}>
                Use token
              </button>
            </form>
          )}
        </div>
      ) : null}
    </div>
  );
}
