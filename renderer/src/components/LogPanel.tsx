import { useEffect, useRef } from 'react';
import { useAppStore } from '../store';

/** The back end's log (already redacted there), newest at the bottom. */
export function LogPanel() {
  const logs = useAppStore((s) => s.logs);
  const open = useAppStore((s) => s.logOpen);
  const end = useRef<HTMLLIElement>(null);
  useEffect(() => {
    // A block body: scrollIntoView returns a value in some browsers, and React would call it as a cleanup.
    end.current?.scrollIntoView({ block: 'end' });
  }, [logs.length, open]);
  if (!open) return null;
  return (
    <section id="app-log" className="log-panel" aria-label="Back-end log">
      <ol>
        {logs.map((entry, index) => (
          <li key={`${entry.time}-${index}`} className={`log-${entry.level}`}>
            <time dateTime={entry.time}>{entry.time.slice(11, 19)}</time>{' '}
            <span className="log-source">{entry.source}</span> {entry.message}
          </li>
        ))}
        <li ref={end} aria-hidden="true" />
      </ol>
    </section>
  );
}
