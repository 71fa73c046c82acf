import { bridgeFromApi, type Bridge, type K3sApi } from '../../../shared/bridge';
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

/** The desktop app's preload bridge when present, else the browser front's WebSocket. */
export function createAppBridge(): AppBridge {
  if (window.k3s) {
    const bridge = bridgeFromApi(window.k3s);
    return { ...bridge, state: () => 'open', onState: () => () => undefined };
  }
  return createWsBridge({
    url: bridgeUrlFromLocation(window.location, window.sessionStorage, window.history),
  });
}
