import { useState, type ReactNode } from 'react';

/** Above this many machines, the long per-machine lists fold away behind the summaries. */
export const FOLD_AFTER = 8;

/**
 * With many machines, a long list behind a summary line, rendered only once opened; with a
 * few, the list itself.
 */
export function Fold({ fold, summary, children }: { fold: boolean; summary: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  if (!fold) return <>{children}</>;
  return (
    <details className="fold" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {open && children}
    </details>
  );
}
