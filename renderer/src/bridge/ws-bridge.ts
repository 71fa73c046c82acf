/**
 * The browser front's Bridge: the contract over a WebSocket to `k3s-wizard serve`, opened with
 * the session cookie the page signed in for (bridge/session.ts). Reconnects by itself while the
 * session holds; calls made while disconnected wait for the connection.
 */
import { bridgeFromTransport, type Bridge, type InvokeResponse } from '../../../shared/bridge';
import type { ErrorPayload } from '../../../shared/errors';
import { BRIDGE_PATH, ServerMessage } from '../../../shared/wire';

/** `no-key`: no session (opened without the printed address, or k3s-wizard was restarted). */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'no-key';

export interface WsBridge extends Bridge {
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

interface Pending {
  resolve: (response: InvokeResponse) => void;
}

export interface WsBridgeOptions {
  url: string;
  /** The page signed in (else it stays in `no-key`). */
  signedIn: boolean;
  /** Whether the session still holds (asked before reconnecting; throws when unreachable). */
  hasSession: () => Promise<boolean>;
}

export function createWsBridge({ url, signedIn, hasSession }: WsBridgeOptions): WsBridge {
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState): void => {
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  /** Every call waiting for an answer gets this error instead. */
  const failPending = (error: ErrorPayload): void => {
    for (const [id, call] of pending) {
      call.resolve({ ok: false, error });
      pending.delete(id);
    }
  };

  const noSession = (): void => {
    queue.length = 0;
    failPending({ code: 'FORBIDDEN', message: 'This page has no session with k3s-wizard.' });
    setState('no-key');
  };

  const reconnect = (): void => {
    hasSession().then(
      (held) => (held ? connect() : noSession()),
      () => {
        // Not reachable (restarting, say): ask again later.
        setTimeout(reconnect, retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      },
    );
  };

  const connect = (): void => {
    if (!signedIn) {
      setState('no-key');
      return;
    }
    setState('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      setState('open');
      for (const message of queue.splice(0)) ws.send(message);
    };
    ws.onmessage = (event: MessageEvent<string>) => {
      const parsed = ServerMessage.safeParse(JSON.parse(event.data));
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === 'result') {
        pending.get(message.id)?.resolve(message.response as InvokeResponse);
        pending.delete(message.id);
      } else {
        for (const listener of eventListeners.get(message.channel) ?? []) listener(message.payload);
      }
    };
    ws.onclose = (event) => {
      socket = null;
      // Calls in flight cannot be answered by a new connection: fail them clearly.
      failPending({
        code: 'CONNECTION_LOST',
        message: 'The connection to the k3s-wizard back end was lost.',
      });
      setState('closed');
      if (event.code === 1008 || event.code === 1003) return;
      setTimeout(reconnect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };

  connect();

  const bridge = bridgeFromTransport({
    invoke(channel, input) {
      const id = nextId++;
      const message = JSON.stringify({ type: 'invoke', id, channel, input });
      return new Promise<InvokeResponse>((resolve) => {
        if (state === 'no-key') {
          resolve({ ok: false, error: { code: 'FORBIDDEN', message: 'This page has no access key.' } });
          return;
        }
        pending.set(id, { resolve });
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(message);
        else queue.push(message);
      });
    },
    on(channel, listener) {
      const set = eventListeners.get(channel) ?? new Set();
      eventListeners.set(channel, set);
      set.add(listener);
      return () => set.delete(listener);
    },
  });

  return {
    ...bridge,
    state: () => state,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
  };
}

/** The socket URL for this page (no key in it: the session cookie goes with the handshake). */
export function bridgeUrlFromLocation(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${BRIDGE_PATH}`;
}
