import type { StateCreator } from 'zustand';
import type { AppInfo } from '../../../shared/contract';
import type { AppBridge } from '../bridge';
import type { ConnectionState } from '../bridge/ws-bridge';
import type { Store } from '.';

export interface AppSlice {
  info: AppInfo | null;
  connection: ConnectionState;
  backendError: string | null;
  loadInfo: () => Promise<void>;
  setConnection: (state: ConnectionState) => void;
}

export const createAppSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], AppSlice> =>
  (set) => ({
    info: null,
    connection: bridge.state(),
    backendError: null,
    async loadInfo() {
      try {
        const info = await bridge.invoke('app:info', {});
        set({ info, backendError: null });
      } catch (error) {
        set({ backendError: error instanceof Error ? error.message : String(error) });
      }
    },
    setConnection(connection) {
      set({ connection });
    },
  });
