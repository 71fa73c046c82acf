/**
 * The desktop front: the contract registered on Electron's ipcMain. Written against small
 * structural types so it runs (and is tested) under plain Node with a fake ipcMain.
 */
import { INVOKE_CHANNELS } from '../shared/contract';
import { MAX_MESSAGE_BYTES } from '../shared/wire';
import type { Backend } from './backend';

/** The payload's size as JSON, or null when it cannot be sent as JSON (a cycle). */
function payloadBytes(input: unknown): number | null {
  try {
    return Buffer.byteLength(JSON.stringify(input ?? null), 'utf8');
  } catch {
    return null;
  }
}

export interface IpcInvokeEventLike {
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
}

/**
 * Registers one handler per invoke channel. Calls from a frame whose URL is not the app's
 * own renderer (a navigated or injected frame), and payloads larger than the browser front's
 * WebSocket takes (MAX_MESSAGE_BYTES), are refused before reaching the back end.
 */
export function registerIpc({
  ipcMain,
  backend,
  isTrustedUrl,
}: {
  ipcMain: IpcMainLike;
  backend: Backend;
  isTrustedUrl: (url: string) => boolean;
}): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event, input) => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedUrl(url)) {
        backend.logger.warn('ipc', `refused ${channel} from an untrusted frame`);
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This window may not use the back end.' } };
      }
      const bytes = payloadBytes(input);
      if (bytes === null || bytes > MAX_MESSAGE_BYTES) {
        backend.logger.warn(
          'ipc',
          `${channel} refused: payload ${bytes === null ? 'not plain data' : `of ${bytes} bytes`}`,
        );
        return {
          ok: false,
          error: {
            code: 'INVALID_INPUT',
            message: `The request for ${channel} is too large or not plain data (at most ${MAX_MESSAGE_BYTES / 1024 / 1024} MiB).`,
          },
        };
      }
      return backend.dispatcher.dispatch(channel, input, { front: 'desktop' });
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Forwards every back-end event to a window for as long as it lives. */
export function forwardEvents({
  backend,
  webContents,
}: {
  backend: Backend;
  webContents: WebContentsLike;
}): () => void {
  const unsubscribe = backend.hub.subscribe((channel, payload) => {
    if (webContents.isDestroyed()) {
      unsubscribe();
      return;
    }
    webContents.send(channel, payload);
  });
  return unsubscribe;
}
