import type { StateCreator } from 'zustand';
import type { Check } from '../../../shared/checks';
import type { ConnectivityResult } from '../../../shared/checks/connectivity';
import { AppError } from '../../../shared/errors';
import type { AppBridge } from '../bridge';
import { hostsBeingAdded } from './cluster-page-slice';
import { serverApiPort } from './cluster-slice';
import type { Store } from '.';

export type ConnectivityState =
  | { state: 'idle' }
  | { state: 'testing' }
  | { state: 'done'; results: ConnectivityResult[]; checks: Check[] }
  | { state: 'error'; message: string };

export interface ChecksSlice {
  connectivity: ConnectivityState;
  /** Probes every host again (facts are what the checks read); while adding machines, the new ones. */
  recheckAll: () => Promise<void>;
  /** Tests for real, with short-lived listeners, that the nodes reach each other's ports. */
  testConnectivity: () => Promise<void>;
}

export const createChecksSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], ChecksSlice> =>
  (set, get) => ({
    connectivity: { state: 'idle' },
    async recheckAll() {
      await Promise.all(hostsBeingAdded(get()).map((host) => get().testHost(host.id)));
    },
    async testConnectivity() {
      const { hosts, facts, cluster } = get();
      set({ connectivity: { state: 'testing' } });
      try {
        const answer = await bridge.invoke('hosts:connectivity', {
          nodes: hosts.map((h) => ({
            id: h.nodeName,
            role: h.role,
            host: h.address,
            port: h.port,
            user: h.user,
            // What the other nodes will dial: the address K3s itself will use.
            address: facts[h.id]?.defaultAddress ?? h.address,
            // Each server's API on its own port (the firewall plan opens exactly that one).
            ...(h.role === 'server' ? { apiPort: serverApiPort(cluster, h.id) } : {}),
          })),
          apiPort: cluster.apiPort,
          flannelBackend: cluster.flannelBackend,
        });
        set({ connectivity: { state: 'done', ...answer } });
      } catch (error) {
        set({
          connectivity: {
            state: 'error',
            message: error instanceof AppError ? error.message : String(error),
          },
        });
      }
    },
  });
