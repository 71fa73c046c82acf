import { useLayoutEffect, useRef, useState } from 'react';

const LINE_HEIGHT = 18;
const HEIGHT = 280;
const OVERSCAN = 20;

/**
 * A log view that stays fast with tens of thousands of lines: only the visible window is in
 * the DOM. It follows new lines while scrolled to the bottom, and stays put when scrolled up.
 */
export function VirtualLog({ lines, label }: { lines: readonly string[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const following = useRef(true);

  useLayoutEffect(() => {
    const element = box.current;
    if (element && following.current) {
      element.scrollTop = element.scrollHeight;
      setTop(element.scrollTop);
    }
  }, [lines.length]);

  const first = Math.max(0, Math.floor(top / LINE_HEIGHT) - OVERSCAN);
  const last = Math.min(lines.length, Math.ceil((top + HEIGHT) / LINE_HEIGHT) + OVERSCAN);
  return (
    <div
      ref={box}
      className="virtual-log"
      role="log"
      aria-label={label}
      tabIndex={0}
      style={{ height: HEIGHT }}
      onScroll={(event) => {
        const element = event.currentTarget;
        following.current = element.scrollTop + element.clientHeight >= element.scrollHeight - LINE_HEIGHT;
        setTop(element.scrollTop);
      }}
    >
      <div style={{ height: lines.length * LINE_HEIGHT, position: 'relative' }}>
        <pre style={{ position: 'absolute', top: first * LINE_HEIGHT, lineHeight: `${LINE_HEIGHT}px` }}>
          {lines.slice(first, last).join('\n')}
        </pre>
      </div>
    </div>
  );
}
