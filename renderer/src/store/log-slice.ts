import type { StateCreator } from 'zustand';
import type { LogEntry } from '../../../shared/contract';
import type { AppBridge } from '../bridge';
import type { Store } from '.';

const KEEP = 500;

export interface LogSlice {
  logs: LogEntry[];
  logOpen: boolean;
  toggleLog: () => void;
  /** Loads the recent back-end log, then follows it live; returns the unsubscribe. */
  followLog: () => () => void;
}

export const createLogSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], LogSlice> =>
  (set) => ({
    logs: [],
    logOpen: false,
    toggleLog() {
      set((state) => ({ logOpen: !state.logOpen }));
    },
    followLog() {
      const unsubscribe = bridge.on('app:log', (entry) =>
        set((state) => ({ logs: [...state.logs, entry].slice(-KEEP) })),
      );
      bridge
        .invoke('app:recentLogs', { limit: KEEP })
        .then((recent) =>
          set((state) => {
            // Lines that arrived live while the history loaded are already in the history.
            const seen = new Set(recent.map((e) => `${e.time}|${e.message}`));
            return {
              logs: [...recent, ...state.logs.filter((e) => !seen.has(`${e.time}|${e.message}`))].slice(
                -KEEP,
              ),
            };
          }),
        )
        .catch(() => undefined);
      return unsubscribe;
    },
  });
