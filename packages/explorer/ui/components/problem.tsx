import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';

/** A failed call, said plainly, with the server's code. */
export function ProblemBox({ error, title }: { error: ApiError; title?: string }) {
  return (
    <div className="problem" role="alert">
      <strong>{title ?? 'Something went wrong'}</strong>
      <span>{error.detail}</span>
      <code>
        {error.code}
        {error.status ? ` · ${error.status}` : ''}
      </code>
    </div>
  );
}

/** Placeholder content for an empty list or panel. */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}
