import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { AppBridge } from '../bridge';
import { createAppSlice, type AppSlice } from './app-slice';
import { createChecksSlice, type ChecksSlice } from './checks-slice';
import { createClassroomSlice, type ClassroomSlice } from './classroom-slice';
import { createClusterOpsSlice, type ClusterOpsSlice } from './cluster-ops-slice';
import { createClusterPageSlice, type ClusterPageSlice } from './cluster-page-slice';
import { createClusterSlice, type ClusterSlice } from './cluster-slice';
import { createConnectSlice, type ConnectSlice } from './connect-slice';
import { createDayTwoSlice, type DayTwoSlice } from './day-two-slice';
import { createFactsSlice, type FactsSlice } from './facts-slice';
import { createFleetBuildSlice, type FleetBuildSlice } from './fleet-build-slice';
import { createHostsSlice, type HostsSlice } from './hosts-slice';
import { createLogSlice, type LogSlice } from './log-slice';
import { createRunSlice, type RunSlice } from './run-slice';
import { createSavedSlice, type SavedSlice } from './saved-slice';
import { createWizardSlice, type WizardSlice } from './wizard-slice';

export type Store = AppSlice &
  WizardSlice &
  HostsSlice &
  ClusterSlice &
  FactsSlice &
  ConnectSlice &
  ChecksSlice &
  RunSlice &
  SavedSlice &
  ClusterOpsSlice &
  ClusterPageSlice &
  DayTwoSlice &
  LogSlice &
  ClassroomSlice &
  FleetBuildSlice;

/** What survives a reload of the window: the draft and the run to catch up with. No secrets live in the store. */
const PERSISTED = [
  'hosts',
  'cluster',
  'facts',
  'step',
  'reached',
  'runId',
  // the Classroom screen's roster, arrangement, preset and login (never a secret)
  'rosterText',
  'clusterCount',
  'fleet',
  'presetText',
  'fleetLogin',
] as const satisfies readonly (keyof Store)[];
type Persisted = Pick<Store, (typeof PERSISTED)[number]>;

/** One store built from slices; the bridge is injected so tests can pass a fake one. */
export function createAppStore(bridge: AppBridge, options: { storage?: StateStorage } = {}): StoreApi<Store> {
  const slices: StateCreator<Store> = (...args) => ({
    ...createAppSlice(bridge)(...args),
    ...createWizardSlice(...args),
    ...createHostsSlice(...args),
    ...createClusterSlice(...args),
    ...createFactsSlice(...args),
    ...createConnectSlice(bridge)(...args),
    ...createChecksSlice(bridge)(...args),
    ...createRunSlice(bridge)(...args),
    ...createSavedSlice(bridge)(...args),
    ...createClusterOpsSlice(bridge)(...args),
    ...createClusterPageSlice(bridge)(...args),
    ...createDayTwoSlice(bridge)(...args),
    ...createLogSlice(bridge)(...args),
    ...createClassroomSlice(...args),
    ...createFleetBuildSlice(bridge)(...args),
  });
  const store = options.storage
    ? createStore<Store>()(
        persist(slices as StateCreator<Store, [['zustand/persist', unknown]]>, {
          name: 'k3s-wizard-draft',
          version: 1,
          storage: createJSONStorage(() => options.storage!),
          partialize: (state): Persisted =>
            Object.fromEntries(PERSISTED.map((key) => [key, state[key]])) as Persisted,
        }),
      )
    : createStore<Store>()(slices);
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
