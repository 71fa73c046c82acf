/**
 * The one-time key of the address `k3s-wizard serve` printed, taken out of the address and
 * out of this page's history entry as the very first thing the page does (main.tsx imports
 * this module first), and kept only in memory until the page trades it for a session.
 */
let launchKey: string | null = null;

function takeFromAddress(): void {
  if (typeof window === 'undefined' || !window.location.search) return;
  const params = new URLSearchParams(window.location.search);
  const key = params.get('token');
  if (key === null) return;
  params.delete('token');
  const rest = params.toString();
  window.history.replaceState(
    window.history.state,
    '',
    `${window.location.pathname}${rest ? `?${rest}` : ''}${window.location.hash}`,
  );
  launchKey = key;
}

takeFromAddress();

/** The key the page was opened with, once (null after the first call, or when there was none). */
export function takeLaunchKey(): string | null {
  const key = launchKey;
  launchKey = null;
  return key;
}
