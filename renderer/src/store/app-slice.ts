import type { StateCreator } from 'zustand';
import type { AppInfo } from '../../../shared/contract';
import type { MenuCommand } from '../../../shared/desktop';

const MENU_ACTIONS: Record<MenuCommand, (store: Store) => void> = {
  'new-cluster': (store) => store.newCluster(),
  'open-cluster': (store) => store.setDialogOpen('saved'),
  'save-cluster': (store) => void store.saveDraft(),
  about: (store) => store.setDialogOpen('about'),
};
import type { AppBridge } from '../bridge';
import { errorText } from '../lib/errors';
import type { ConnectionState } from '../bridge/ws-bridge';
import type { Store } from '.';

export interface AppSlice {
  info: AppInfo | null;
  connection: ConnectionState;
  backendError: string | null;
  loadInfo: () => Promise<void>;
  setConnection: (state: ConnectionState) => void;
  /** Which app-level dialog is open. */
  dialogOpen: 'saved' | 'about' | null;
  setDialogOpen: (dialog: 'saved' | 'about' | null) => void;
  /** Acts on the desktop app's menu commands. */
  followMenu: () => () => void;
}

export const createAppSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], AppSlice> =>
  (set, get) => ({
    info: null,
    connection: bridge.state(),
    backendError: null,
    async loadInfo() {
      try {
        const info = await bridge.invoke('app:info', {});
        set({ info, backendError: null });
      } catch (error) {
        set({ backendError: errorText(error) });
      }
    },
    setConnection(connection) {
      set({ connection });
    },
    dialogOpen: null,
    setDialogOpen(dialogOpen) {
      set({ dialogOpen });
    },
    followMenu() {
      return bridge.on('app:menu', ({ command }) => MENU_ACTIONS[command](get()));
    },
  });
