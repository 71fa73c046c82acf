/**
 * The Bridge: the only way the renderer reaches the back end. Electron's preload, the
 * browser front's WebSocket client and the command line all provide one.
 */
import { INVOKE_CHANNELS, type EventChannel, type InvokeChannel } from './channels';
import type { EventPayload, InvokeInput, InvokeOutput } from './contract';
import { errorFromPayload, type ErrorPayload } from './errors';

export type InvokeResponse<T = unknown> = { ok: true; result: T } | { ok: false; error: ErrorPayload };

export type Unsubscribe = () => void;

export interface Bridge {
  invoke<C extends InvokeChannel>(channel: C, input: InvokeInput<C>): Promise<InvokeOutput<C>>;
  on<E extends EventChannel>(channel: E, listener: (payload: EventPayload<E>) => void): Unsubscribe;
}

/** Turns a response into its result, or throws an AppError carrying the stable code. */
export function unwrap<T>(response: InvokeResponse<T>): T {
  if (response.ok) return response.result;
  throw errorFromPayload(response.error);
}

/** The transport a front provides: raw request/response and raw event subscription. */
export interface BridgeTransport {
  invoke(channel: string, input: unknown): Promise<InvokeResponse>;
  on(channel: string, listener: (payload: unknown) => void): Unsubscribe;
}

export function bridgeFromTransport(transport: BridgeTransport): Bridge {
  return {
    async invoke(channel, input) {
      const response = await transport.invoke(channel, input);
      return unwrap(response) as never;
    },
    on(channel, listener) {
      return transport.on(channel, listener as (payload: unknown) => void);
    },
  };
}

// `window.k3s`: one namespaced method per invoke channel ('app:info' → k3s.app.info(input)).
// Its methods return the raw response rather than throwing: Electron's contextBridge drops an
// Error's custom properties (the stable code), so the renderer side unwraps instead.
type NamespaceOf<C extends string> = C extends `${infer N}:${string}` ? N : never;
type MethodOf<C extends string> = C extends `${string}:${infer M}` ? M : never;
export type K3sApi = {
  [N in NamespaceOf<InvokeChannel>]: {
    [C in InvokeChannel as NamespaceOf<C> extends N ? MethodOf<C> : never]: (
      input: InvokeInput<C>,
    ) => Promise<InvokeResponse<InvokeOutput<C>>>;
  };
} & {
  on<E extends EventChannel>(channel: E, listener: (payload: EventPayload<E>) => void): Unsubscribe;
};

type ApiGroup = Record<string, (input: unknown) => Promise<InvokeResponse>>;

export function splitChannel(channel: string): [string, string] {
  const at = channel.indexOf(':');
  return [channel.slice(0, at), channel.slice(at + 1)];
}

/** Builds the namespaced object the preload exposes, over a raw transport. */
export function apiFromTransport(transport: BridgeTransport): K3sApi {
  const api: Record<string, unknown> = {
    on: (channel: string, listener: (payload: unknown) => void) => transport.on(channel, listener),
  };
  for (const channel of INVOKE_CHANNELS) {
    const [ns, method] = splitChannel(channel);
    const group = (api[ns] ??= {}) as ApiGroup;
    group[method] = (input: unknown) => transport.invoke(channel, input);
  }
  return api as K3sApi;
}

/** The renderer's Bridge over `window.k3s`. */
export function bridgeFromApi(api: K3sApi): Bridge {
  return bridgeFromTransport({
    invoke(channel, input) {
      const [ns, method] = splitChannel(channel);
      const fn = (api as unknown as Record<string, ApiGroup | undefined>)[ns]?.[method];
      if (!fn) return Promise.reject(new Error(`The back end has no channel ${channel}.`));
      return fn(input);
    },
    on(channel, listener) {
      return api.on(channel as EventChannel, listener);
    },
  });
}
