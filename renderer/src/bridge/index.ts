import { bridgeFromApi, type Bridge, type K3sApi } from '../../../shared/bridge';
import { takeLaunchKey } from './launch-key';
import { hasSession, openSession, type AccessProblem } from './session';
import { bridgeUrlFromLocation, createWsBridge, type ConnectionState } from './ws-bridge';

declare global {
  interface Window {
    /** Present in the desktop app only, exposed by the preload. */
    k3s?: K3sApi;
  }
}

export interface AppBridge extends Bridge {
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

export interface OpenedBridge {
  bridge: AppBridge;
  /** Why the page could not sign in (browser front), null when it did. */
  accessProblem: AccessProblem | null;
}

/**
 * The desktop app's preload bridge when present, else the browser front's WebSocket, after
 * trading the address's one-time key for a session.
 */
export async function createAppBridge(): Promise<OpenedBridge> {
  if (window.k3s) {
    const bridge = bridgeFromApi(window.k3s);
    return {
      bridge: { ...bridge, state: () => 'open', onState: () => () => undefined },
      accessProblem: null,
    };
  }
  const key = takeLaunchKey();
  // Unreachable right now: try the socket anyway, which retries and asks again.
  const accessProblem = await openSession(key).catch(() => null);
  const bridge = createWsBridge({
    url: bridgeUrlFromLocation(window.location),
    signedIn: accessProblem === null,
    hasSession,
  });
  return { bridge, accessProblem };
}
