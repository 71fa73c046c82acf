import { useEffect, useState } from 'react';
import { copyText } from '../lib/files';

/** A button that copies text and says so for two seconds (announced to screen readers). */
export function CopyButton({ text, label, idle = 'Copy' }: { text: string; label: string; idle?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      className="copy"
      aria-label={label}
      onClick={() => void copyText(text).then((ok) => setState(ok ? 'copied' : 'failed'))}
    >
      <span aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : idle}
      </span>
    </button>
  );
}
