/**
 * The browser front's session: the page's one-time key traded for an HttpOnly cookie the page
 * itself never sees (electron/serve.ts), and whether this browser still has one.
 */
import { SESSION_PATH, SessionAnswer } from '../../../shared/wire';

/** Why the page cannot reach the back end: no key, a key used up, a key of an earlier run. */
export type AccessProblem = 'none' | 'used' | 'unknown';

async function ask(init?: RequestInit): Promise<SessionAnswer> {
  const response = await fetch(SESSION_PATH, { credentials: 'same-origin', cache: 'no-store', ...init });
  const parsed = SessionAnswer.safeParse(await response.json());
  if (!parsed.success) throw new Error(`The back end answered the sign-in oddly (HTTP ${response.status}).`);
  return parsed.data;
}

/** Whether this browser has a session with the back end (throws when it cannot be reached). */
export async function hasSession(): Promise<boolean> {
  return (await ask()).ok;
}

/**
 * Signs in with the key when there is one; with a key that does not work (used up in this
 * browser, say, and the page reopened from the history), an existing session still counts.
 * Returns null when signed in, else why not.
 */
export async function openSession(key: string | null): Promise<AccessProblem | null> {
  if (key) {
    const traded = await ask({
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    if (traded.ok) return null;
    return (await hasSession()) ? null : traded.reason;
  }
  return (await hasSession()) ? null : 'none';
}
