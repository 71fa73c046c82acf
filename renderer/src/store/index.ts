import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppBridge } from '../bridge';
import { createAppSlice, type AppSlice } from './app-slice';
import { createChecksSlice, type ChecksSlice } from './checks-slice';
import { createClusterSlice, type ClusterSlice } from './cluster-slice';
import { createConnectSlice, type ConnectSlice } from './connect-slice';
import { createFactsSlice, type FactsSlice } from './facts-slice';
import { createHostsSlice, type HostsSlice } from './hosts-slice';
import { createLogSlice, type LogSlice } from './log-slice';
import { createWizardSlice, type WizardSlice } from './wizard-slice';

export type Store = AppSlice &
  WizardSlice &
  HostsSlice &
  ClusterSlice &
  FactsSlice &
  ConnectSlice &
  ChecksSlice &
  LogSlice;

/** One store built from slices; the bridge is injected so tests can pass a fake one. */
export function createAppStore(bridge: AppBridge): StoreApi<Store> {
  const store = createStore<Store>()((...args) => ({
    ...createAppSlice(bridge)(...args),
    ...createWizardSlice(...args),
    ...createHostsSlice(...args),
    ...createClusterSlice(...args),
    ...createFactsSlice(...args),
    ...createConnectSlice(bridge)(...args),
    ...createChecksSlice(bridge)(...args),
    ...createLogSlice(bridge)(...args),
  }));
  bridge.onState((state) => store.getState().setConnection(state));
  return store;
}

export const StoreContext = createContext<StoreApi<Store> | null>(null);

/** The store itself, for event handlers that need the state right after an action. */
export function useAppStoreApi(): StoreApi<Store> {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStoreApi outside StoreContext');
  return store;
}

export function useAppStore<T>(selector: (state: Store) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside StoreContext');
  return useStore(store, selector);
}
