import type { StateCreator } from 'zustand';
import type { AppBridge } from '../bridge';
import type { InvokeInput } from '../../../shared/contract';
import { errorText } from '../lib/errors';
import { saveBase64File } from '../lib/files';
import { SPEC_PROBLEMS, specOf } from './spec';
import type { Store } from '.';

export interface JoinOptions {
  role: 'agent' | 'server';
  /** An expiring token ("2h"), or none for the cluster token. */
  ttl: string | null;
  /** --with-node-id: the host name plus a random id, for cloned machines. */
  withNodeId?: boolean;
}

export interface ClusterOpsSlice {
  bundlePath: string | null;
  opsError: string | null;
  /** The join line for this cluster; the token filled in only when `reveal`. */
  joinCommand: (options: JoinOptions & { reveal: boolean }) => Promise<string | null>;
  createBundle: () => Promise<void>;
  /** Browser front: a file the back end wrote, downloaded to the browser's computer. */
  download: (what: InvokeInput<'files:download'>) => Promise<void>;
  /** Uninstalls the cluster; progress shows on the Install step like an install. */
  uninstall: () => Promise<void>;
}

export const createClusterOpsSlice =
  (bridge: AppBridge): StateCreator<Store, [], [], ClusterOpsSlice> =>
  (set, get) => {
    const checkedSpec = () => {
      const spec = specOf(get());
      if (!spec) throw new Error(SPEC_PROBLEMS);
      return { spec };
    };
    return {
      bundlePath: null,
      opsError: null,
      async joinCommand({ role, ttl, reveal, withNodeId }) {
        const { runId } = get();
        if (!runId) return null;
        try {
          const { command } = await bridge.invoke('run:joinCommand', {
            runId,
            role,
            reveal,
            ...(ttl && role === 'agent' ? { ttl } : {}),
            ...(withNodeId ? { withNodeId } : {}),
          });
          set({ opsError: null });
          return command;
        } catch (error) {
          set({ opsError: errorText(error) });
          return null;
        }
      },
      async createBundle() {
        try {
          const { runId } = get();
          const { path } = await bridge.invoke('bundle:create', {
            ...checkedSpec(),
            ...(runId ? { runId } : {}),
          });
          set({ bundlePath: path, opsError: null });
        } catch (error) {
          set({ opsError: errorText(error) });
        }
      },
      async download(what) {
        try {
          const file = await bridge.invoke('files:download', what);
          saveBase64File(file.name, file.base64, file.mediaType);
          set({ opsError: null });
        } catch (error) {
          set({ opsError: errorText(error) });
        }
      },
      async uninstall() {
        try {
          const { runId } = await bridge.invoke('run:uninstall', checkedSpec());
          set({ runId, run: null, hostLogs: {}, opsError: null, step: 'install' });
          await get().catchUpRun();
        } catch (error) {
          set({ opsError: errorText(error) });
        }
      },
    };
  };
