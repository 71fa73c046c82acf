/**
 * Exposes exactly one object, `window.k3s`: a method per contract channel, never ipcRenderer.
 * Runs sandboxed (CommonJS, only `electron` available); bundled with the plain channel list
 * (shared/channels.ts), never zod or the schemas: main validates every payload.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { apiFromTransport, type InvokeResponse } from '../shared/bridge';
import { isEventChannel } from '../shared/channels';

contextBridge.exposeInMainWorld(
  'k3s',
  apiFromTransport({
    invoke: (channel, input) => ipcRenderer.invoke(channel, input) as Promise<InvokeResponse>,
    on: (channel, listener) => {
      if (!isEventChannel(channel)) throw new Error(`Unknown event channel ${channel}`);
      const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
      ipcRenderer.on(channel, handler);
      return () => {
        ipcRenderer.removeListener(channel, handler);
      };
    },
  }),
);
