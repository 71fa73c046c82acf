import type { StateCreator } from 'zustand';
import type { Component, FirewallPolicy, FlannelBackend } from '../../../shared/spec';
import { DEFAULT_CLUSTER_OPTIONS } from '../../../shared/draft';
import type { Store } from '.';

export type VersionChoice =
  { kind: 'channel'; channel: 'stable' | 'latest' } | { kind: 'version'; version: string };
export type SourceChoice =
  | { kind: 'online' }
  | { kind: 'mirror'; scriptUrl: string; githubUrl: string; channelUrl: string }
  | { kind: 'airgap'; folder: string; images: boolean };

/** One server's API listener options as the form edits them (text; empty = K3s's default). */
export interface ListenerDraft {
  bindAddress: string;
  advertiseAddress: string;
  /** This server's own https-listen-port; empty: the cluster's API port. */
  httpsListenPort: string;
  advertisePort: string;
  /** Comma- or space-separated. */
  tlsSans: string;
  nodeExternalIp: string;
  /** k3s server --rootless, as the login user (servers only). */
  rootless: boolean;
}

export const EMPTY_LISTENER: ListenerDraft = {
  bindAddress: '',
  advertiseAddress: '',
  httpsListenPort: '',
  advertisePort: '',
  tlsSans: '',
  nodeExternalIp: '',
  rootless: false,
};

/** What the Cluster step asks, in the shape the form edits; turned into a ClusterSpec by spec.ts. */
export interface ClusterOptions {
  name: string;
  version: VersionChoice;
  source: SourceChoice;
  embeddedEtcd: 'auto' | 'on' | 'off';
  flannelBackend: FlannelBackend;
  clusterCidr: string;
  serviceCidr: string;
  apiPort: number;
  tlsSans: string;
  openNodePorts: boolean;
  disable: Component[];
  contextName: string;
  kubeconfigServer: string;
  kubeconfigFile: 'merge' | 'separate';
  firewallPolicy: FirewallPolicy;
  /** Who may reach the API port: empty for anyone, else addresses or networks, comma-separated. */
  firewallClients: string;
  /** The address (optionally :port) nodes join and kubectl uses: a VIP, a load balancer; empty: the first server. */
  apiEndpoint: string;
  /** Listener options per server, by host id. */
  listeners: Record<string, ListenerDraft>;
  /** How K3s names the nodes: the names on the Hosts step, or host name + random id (with-node-id). */
  nodeIdentity: 'names' | 'with-node-id';
}

export const DEFAULT_CLUSTER: ClusterOptions = DEFAULT_CLUSTER_OPTIONS;

export interface ClusterSlice {
  cluster: ClusterOptions;
  setCluster: (patch: Partial<ClusterOptions>) => void;
  toggleComponent: (component: Component, disabled: boolean) => void;
  setListener: (hostId: string, patch: Partial<ListenerDraft>) => void;
}

export const createClusterSlice: StateCreator<Store, [], [], ClusterSlice> = (set) => ({
  cluster: DEFAULT_CLUSTER,
  setCluster(patch) {
    set((state) => ({ cluster: { ...state.cluster, ...patch } }));
  },
  setListener(hostId, patch) {
    set((state) => ({
      cluster: {
        ...state.cluster,
        listeners: {
          ...state.cluster.listeners,
          [hostId]: { ...EMPTY_LISTENER, ...state.cluster.listeners[hostId], ...patch },
        },
      },
    }));
  },
  toggleComponent(component, disabled) {
    set((state) => ({
      cluster: {
        ...state.cluster,
        disable: disabled
          ? [...new Set([...state.cluster.disable, component])]
          : state.cluster.disable.filter((c) => c !== component),
      },
    }));
  },
});

/** The port a server's API listens on as the form has it: its own when typed, else the cluster's. */
export function serverApiPort(
  cluster: Pick<ClusterOptions, 'apiPort' | 'listeners'>,
  hostId: string,
): number {
  const own = cluster.listeners[hostId]?.httpsListenPort.trim();
  return own ? Number(own) : cluster.apiPort;
}
