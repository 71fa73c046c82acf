import type { StateCreator } from 'zustand';
import type { Component, FirewallPolicy, FlannelBackend } from '../../../shared/spec';
import type { Store } from '.';

export type VersionChoice =
  { kind: 'channel'; channel: 'stable' | 'latest' } | { kind: 'version'; version: string };
export type SourceChoice =
  | { kind: 'online' }
  | { kind: 'mirror'; scriptUrl: string; githubUrl: string; channelUrl: string }
  | { kind: 'airgap'; folder: string; images: boolean };

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
}

export const DEFAULT_CLUSTER: ClusterOptions = {
  name: 'homelab',
  version: { kind: 'channel', channel: 'stable' },
  source: { kind: 'online' },
  embeddedEtcd: 'auto',
  flannelBackend: 'vxlan',
  clusterCidr: '10.42.0.0/16',
  serviceCidr: '10.43.0.0/16',
  apiPort: 6443,
  tlsSans: '',
  openNodePorts: false,
  disable: [],
  contextName: '',
  kubeconfigServer: '',
  kubeconfigFile: 'merge',
  firewallPolicy: 'configure',
  firewallClients: '',
};

export interface ClusterSlice {
  cluster: ClusterOptions;
  setCluster: (patch: Partial<ClusterOptions>) => void;
  toggleComponent: (component: Component, disabled: boolean) => void;
}

export const createClusterSlice: StateCreator<Store, [], [], ClusterSlice> = (set) => ({
  cluster: DEFAULT_CLUSTER,
  setCluster(patch) {
    set((state) => ({ cluster: { ...state.cluster, ...patch } }));
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
