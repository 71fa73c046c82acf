/**
 * The Classroom screen's build: the preset file's text, the login for every machine, and the
 * dashboard the back end keeps (it builds the clusters as the command line does; nothing is
 * planned here). Secrets are never kept in the store: they are handed to the back end, machine by
 * machine, through `hosts:setCredentials`, as the Hosts step does.
 */
import type { StateCreator } from 'zustand';
import type { HandoutPer } from '../../../shared/fleet/handout';
import { parsePreset, presetToYaml, starterPreset } from '../../../shared/fleet/preset';
import { formFromText, textFromForm } from '../../../shared/fleet/preset-form';
import type {
  FleetDashboard,
  FleetFixesResult,
  FleetHandoutResult,
  FleetResetResult,
} from '../../../shared/fleet/schema';
import type { RunEvent } from '../../../shared/run';
import type { AppBridge } from '../bridge';
import { errorText } from '../lib/errors';
import { saveBase64File } from '../lib/files';
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
  /** A sudo password was handed to the back end with the login (for the later requests). */
  fleetSudoPassword: boolean;
  /** What the fixes will change, or what they did and what the re-check found. */
  fleetFixes: FleetFixesResult | null;
  fleetFixesError: string | null;
  /** While the fixes run: the machines whose fix has ended, of how many. */
  fleetFixProgress: { ended: string[]; total: number } | null;
  /** Hands the login over, then asks what the fixes will change (`apply` false) or fixes. */
  fixFleet: (secrets: HostSecrets, apply: boolean) => Promise<void>;
  fleetHandout: FleetHandoutResult | null;
  fleetHandoutError: string | null;
  handOutFleet: (options: { per: HandoutPer; ttl?: string }) => Promise<void>;
  /** Saves one file of the hand-out on this computer (the browser's download). */
  downloadHandout: (cluster: string, file: string) => Promise<void>;
  fleetReset: FleetResetResult | null;
  fleetResetError: string | null;
  resetFleet: (what: 'uninstall' | 'namespaces') => Promise<void>;
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
    /** Checks the login, then hands it to the back end for every machine; false (and why) if not. */
    const handLogin = async (secrets: HostSecrets, fail: (message: string) => void): Promise<boolean> => {
      const { fleet, fleetLogin } = get();
      if (!fleet.length) return (fail('Import the roster first.'), false);
      if (!fleetLogin.user.trim()) return (fail('Say which user to log in as.'), false);
      if (fleetLogin.auth === 'key' && !fleetLogin.keyPath.trim())
        return (fail('Give the private key file to log in with.'), false);
      if (fleetLogin.auth === 'password' && !secrets.password)
        return (fail('Give the password to log in with.'), false);
      const machines = fleet.flatMap((c) => c.machines);
      set({ fleetBusy: `Handing the login to ${machines.length} machines…` });
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
        fail(errorText(error));
        set({ fleetBusy: null });
        return false;
      }
      set({ fleetSudoPassword: Boolean(secrets.sudoPassword), fleetBusy: null });
      return true;
    };
    /** The fleet as the screen holds it, for fixes, hand-outs and resets. */
    const target = () => {
      const { fleet, fleetLogin, presetText, acceptNewHostKeys, fleetSudoPassword } = get();
      return {
        preset: presetText,
        clusters: fleet,
        login: loginInput(fleetLogin, fleetSudoPassword),
        acceptNewHostKeys,
      };
    };
    /** One request that holds the machines, with its own "busy" words and error field. */
    const hold = async (
      what: string,
      onError: (message: string | null) => void,
      call: () => Promise<void>,
    ) => {
      onError(null);
      set({ fleetBusy: what });
      try {
        await call();
      } catch (error) {
        onError(errorText(error));
      } finally {
        set({ fleetBusy: null });
      }
    };
    return {
      fleetSudoPassword: false,
      fleetFixes: null,
      fleetFixesError: null,
      fleetFixProgress: null,
      async fixFleet(secrets, apply) {
        const fail = (message: string | null) => set({ fleetFixesError: message });
        fail(null);
        if (!(await handLogin(secrets, fail))) return;
        const machines = get().fleet.reduce((n, c) => n + c.machines.length, 0);
        await hold(
          apply
            ? `Fixing the machines (they reboot in waves; this takes a few minutes)…`
            : `Logging in to and checking ${machines} machines…`,
          fail,
          async () => {
            // The fix run's steps (one per machine) as they end: progress while the Pis reboot.
            const total = get().fleetFixes?.changes.length ?? 0;
            const stop = apply
              ? bridge.on('run:event', (event: RunEvent) => {
                  if (
                    (event.type === 'step-finished' ||
                      event.type === 'step-failed' ||
                      event.type === 'step-skipped') &&
                    event.stepId.startsWith('fleet-fix:')
                  ) {
                    const ended = get().fleetFixProgress?.ended ?? [];
                    if (!ended.includes(event.host))
                      set({ fleetFixProgress: { ended: [...ended, event.host], total } });
                  }
                })
              : null;
            if (apply) set({ fleetFixProgress: { ended: [], total } });
            try {
              const result = await bridge.invoke('fleet:fixes', { ...target(), apply });
              set({ fleetFixes: result });
            } finally {
              stop?.();
              set({ fleetFixProgress: null });
            }
          },
        );
      },
      fleetHandout: null,
      fleetHandoutError: null,
      handOutFleet({ per, ttl }) {
        return hold(
          'Handing out access…',
          (message) => set({ fleetHandoutError: message }),
          async () => {
            const result = await bridge.invoke('fleet:handout', {
              ...target(),
              per,
              ...(ttl ? { ttl } : {}),
            });
            set({ fleetHandout: result });
          },
        );
      },
      async downloadHandout(cluster, file) {
        try {
          const f = await bridge.invoke('fleet:handoutFile', { cluster, file });
          saveBase64File(f.name, f.base64, f.mediaType);
          set({ fleetHandoutError: null });
        } catch (error) {
          set({ fleetHandoutError: errorText(error) });
        }
      },
      fleetReset: null,
      fleetResetError: null,
      resetFleet(what) {
        return hold(
          what === 'uninstall' ? 'Uninstalling every cluster…' : "Deleting the students' namespaces…",
          (message) => set({ fleetResetError: message }),
          async () => {
            const result = await bridge.invoke('fleet:reset', { ...target(), what });
            set({
              fleetReset: result,
              // Uninstalled: the build's dashboard and the hand-out describe clusters that are gone.
              ...(what === 'uninstall' ? { fleetDashboard: null, fleetHandout: null } : {}),
            });
          },
        );
      },
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
      // The login is the preset's too: a saved preset carries it to next term's class.
      setFleetLogin: (login) => {
        const form = formFromText(get().presetText);
        set({
          fleetLogin: login,
          ...(form
            ? {
                presetText: textFromForm(
                  {
                    ...form,
                    login: {
                      ...form.login,
                      user: login.user,
                      port: login.port,
                      method: login.auth,
                      keyPath: login.keyPath,
                    },
                  },
                  get().presetText,
                ),
              }
            : {}),
        });
      },
      acceptNewHostKeys: false,
      setAcceptNewHostKeys: (accept) => set({ acceptNewHostKeys: accept }),
      fleetConcurrency: null,
      setFleetConcurrency: (n) => set({ fleetConcurrency: n }),
      fleetDashboard: null,
      fleetError: null,
      fleetBusy: null,
      async buildFleet(secrets) {
        set({ fleetError: null });
        if (!(await handLogin(secrets, (message) => set({ fleetError: message })))) return;
        const { fleet, fleetLogin, presetText, acceptNewHostKeys, fleetConcurrency } = get();
        const machines = fleet.flatMap((c) => c.machines);
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
