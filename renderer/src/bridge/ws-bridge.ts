/**
 * The browser front's Bridge: the contract over a WebSocket to `k3s-wizard serve`.
 * Reconnects by itself; calls made while disconnected wait for the connection.
 */
import { bridgeFromTransport, type Bridge, type InvokeResponse } from '../../../shared/bridge';
import { BRIDGE_PATH, ServerMessage } from '../../../shared/wire';

/** `no-key`: the page was opened without the address `k3s-wizard serve` printed. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'no-key';

export interface WsBridge extends Bridge {
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

interface Pending {
  resolve: (response: InvokeResponse) => void;
}

export function createWsBridge({ url }: { url: string }): WsBridge {
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

  const hasKey = new URL(url).searchParams.get('token') !== '';

  const connect = (): void => {
    if (!hasKey) {
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
      for (const [id, call] of pending) {
        call.resolve({
          ok: false,
          error: { code: 'CONNECTION_LOST', message: 'The connection to the k3s-wizard back end was lost.' },
        });
        pending.delete(id);
      }
      setState('closed');
      if (event.code === 1008 || event.code === 1003) return;
      setTimeout(connect, retryMs);
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

/** The socket URL for this page, taking the token from the address once and keeping it for reloads. */
export function bridgeUrlFromLocation(location: Location, storage: Storage, history: History): string {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem('k3s-wizard-token', fromUrl);
    params.delete('token');
    // Keep the key out of the address bar, screenshots and the history.
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
  const token = fromUrl ?? storage.getItem('k3s-wizard-token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${BRIDGE_PATH}?token=${encodeURIComponent(token)}`;
}
