/**
 * The Classroom screen's build: the preset file's text, the login for every machine, and the
 * dashboard the back end keeps (it builds the clusters as the command line does; nothing is
 * planned here). Secrets are never kept in the store: they are handed to the back end, machine by
 * machine, through `hosts:setCredentials`, as the Hosts step does.
 */
import type { StateCreator } from 'zustand';
import { parsePreset, presetToYaml, starterPreset } from '../../../shared/fleet/preset';
import type { FleetDashboard } from '../../../shared/fleet/schema';
import type { RunEvent } from '../../../shared/run';
import type { AppBridge } from '../bridge';
import { errorText } from '../lib/errors';
import type { HostSecrets } from './connect-slice';
import type { HostDraft } from './hosts-slice';
import type { Store } from '.';

export interface FleetLoginDraft extends Pick<HostDraft, 'user' | 'auth' | 'keyPath'> {
  port: number;
}

export interface FleetBuildSlice {
  presetText: string;
  setPresetText: (text: string) => void;
  /** A preset file opened: its text, and its login in the login fields (the back end reads it again). */
  openPreset: (text: string) => void;
  fleetLogin: FleetLoginDraft;
  setFleetLogin: (login: FleetLoginDraft) => void;
  /** Trust machines seen for the first time (never a changed key). */
  acceptNewHostKeys: boolean;
  setAcceptNewHostKeys: (accept: boolean) => void;
  /** Machines worked on at once across the fleet; the preset's when null. */
  fleetConcurrency: number | null;
  setFleetConcurrency: (n: number | null) => void;
  fleetDashboard: FleetDashboard | null;
  fleetError: string | null;
  /** What is being asked of the back end now ("Checking 8 machines…"), null when nothing. */
  fleetBusy: string | null;
  /** Hands the secrets to the back end for every machine, then builds every cluster. */
  buildFleet: (secrets: HostSecrets) => Promise<void>;
  /** A machine (its failed steps) or, without `host`, the whole cluster again. */
  retryFleet: (cluster: string, host?: string) => Promise<void>;
  cancelFleet: () => Promise<void>;
  /** The dashboard from the back end again (after a reload, or when its runs moved on). */
  refreshFleet: () => Promise<void>;
  /** Follows the fleet's runs: each of their events brings a fresh dashboard. Returns the unsubscribe. */
  followFleet: () => () => void;
}

export function loginInput(login: FleetLoginDraft, sudoPassword: boolean) {
  return {
    user: login.user.trim(),
    port: login.port,
    auth:
      login.auth === 'key'
        ? { method: 'key' as const, keyPath: login.keyPath.trim() }
        : { method: login.auth },
    sudoPassword,
  };
}

export const createFleetBuildSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], FleetBuildSlice> =>
  (set, get) => {
    // One dashboard request at a time; events that arrive meanwhile ask for one more after it.
    let inFlight = false;
    let again = false;
    const refresh = async (): Promise<void> => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      try {
        do {
          again = false;
          const dashboard = await bridge.invoke('fleet:dashboard', {});
          set({ fleetDashboard: dashboard });
        } while (again);
      } catch (error) {
        // No classroom built since the back end started: nothing to catch up with.
        if ((error as { code?: string }).code !== 'NOT_FOUND') set({ fleetError: errorText(error) });
      } finally {
        inFlight = false;
      }
    };
    const ask = async (what: string, call: () => Promise<FleetDashboard>): Promise<void> => {
      set({ fleetError: null, fleetBusy: what });
      try {
        set({ fleetDashboard: await call() });
      } catch (error) {
        set({ fleetError: errorText(error) });
      } finally {
        set({ fleetBusy: null });
      }
      // Events of the runs it started may have come before their ids did.
      await refresh();
    };
    return {
      presetText: presetToYaml(starterPreset()),
      setPresetText: (text) => set({ presetText: text }),
      openPreset(text) {
        const { preset } = parsePreset(text);
        const login = preset?.login;
        set({
          presetText: text,
          ...(login
            ? {
                fleetLogin: {
                  user: login.user,
                  port: login.port,
                  auth: login.auth.method,
                  keyPath: login.auth.method === 'key' ? login.auth.keyPath : '',
                },
                // the preset's limit, unless the teacher changes it again
                fleetConcurrency: null,
              }
            : {}),
        });
      },
      fleetLogin: { user: 'pi', port: 22, auth: 'agent', keyPath: '' },
      setFleetLogin: (login) => set({ fleetLogin: login }),
      acceptNewHostKeys: false,
      setAcceptNewHostKeys: (accept) => set({ acceptNewHostKeys: accept }),
      fleetConcurrency: null,
      setFleetConcurrency: (n) => set({ fleetConcurrency: n }),
      fleetDashboard: null,
      fleetError: null,
      fleetBusy: null,
      async buildFleet(secrets) {
        const { fleet, fleetLogin, presetText, acceptNewHostKeys, fleetConcurrency } = get();
        if (!fleet.length) {
          set({ fleetError: 'Import the roster first.' });
          return;
        }
        if (!fleetLogin.user.trim()) {
          set({ fleetError: 'Say which user to log in as.' });
          return;
        }
        if (fleetLogin.auth === 'key' && !fleetLogin.keyPath.trim()) {
          set({ fleetError: 'Give the private key file to log in with.' });
          return;
        }
        if (fleetLogin.auth === 'password' && !secrets.password) {
          set({ fleetError: 'Give the password to log in with.' });
          return;
        }
        const machines = fleet.flatMap((c) => c.machines);
        set({ fleetError: null, fleetBusy: `Handing the login to ${machines.length} machines…` });
        try {
          for (const m of machines)
            await bridge.invoke('hosts:setCredentials', {
              host: m.address,
              port: m.port ?? fleetLogin.port,
              user: m.user ?? fleetLogin.user.trim(),
              ...(fleetLogin.auth === 'agent' ? { useAgent: true } : {}),
              ...(fleetLogin.auth === 'key' ? { identityFile: fleetLogin.keyPath.trim() } : {}),
              ...(secrets.password ? { password: secrets.password } : {}),
              ...(secrets.passphrase ? { passphrase: secrets.passphrase } : {}),
              ...(secrets.sudoPassword ? { sudoPassword: secrets.sudoPassword } : {}),
              ...(secrets.remember ? { remember: true } : {}),
            });
        } catch (error) {
          set({ fleetError: errorText(error), fleetBusy: null });
          return;
        }
        await ask(`Logging in to and checking ${machines.length} machines…`, () =>
          bridge.invoke('fleet:build', {
            preset: presetText,
            clusters: fleet,
            login: loginInput(fleetLogin, Boolean(secrets.sudoPassword)),
            acceptNewHostKeys,
            ...(fleetConcurrency ? { concurrency: fleetConcurrency } : {}),
          }),
        );
      },
      retryFleet(cluster, host) {
        return ask(host ? `Retrying ${host}…` : `Checking ${cluster} again…`, () =>
          bridge.invoke('fleet:retry', { cluster, ...(host ? { host } : {}) }),
        );
      },
      cancelFleet() {
        return ask('Stopping…', () => bridge.invoke('fleet:cancel', {}));
      },
      refreshFleet: refresh,
      followFleet() {
        return bridge.on('run:event', (event: RunEvent) => {
          const dashboard = get().fleetDashboard;
          // Only this fleet's runs (or a build whose run ids are not known yet).
          if (!dashboard && !get().fleetBusy) return;
          if (dashboard && !Object.values(dashboard.runs).includes(event.runId) && !get().fleetBusy) return;
          if (event.type === 'output') return;
          void refresh();
        });
      },
    };
  };
