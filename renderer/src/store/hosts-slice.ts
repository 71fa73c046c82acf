import type { StateCreator } from 'zustand';
import type { FirewallPolicy, Role } from '../../../shared/spec';
import { addressProblem, isIPv4, portProblem, userProblem } from '../../../shared/validate';
import type { Store } from '.';

export type AuthMethod = 'agent' | 'key' | 'password';

export interface HostDraft {
  address: string;
  port: number;
  user: string;
  auth: AuthMethod;
  keyPath: string;
}

export interface HostEntry extends HostDraft {
  id: string;
  role: Role;
  /** The Kubernetes node name; starts from the host name or address, editable. */
  nodeName: string;
  /** This machine's firewall choice when it differs from the cluster's. */
  firewall?: FirewallPolicy;
}

/** A node name from what the user typed: the first label of a host name, else node-N. */
export function suggestNodeName(address: string, taken: readonly string[]): string {
  const base = isIPv4(address) || address.includes(':') ? 'node' : (address.split('.')[0] ?? 'node');
  const clean =
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '') || 'node';
  if (clean !== 'node' && !taken.includes(clean)) return clean;
  for (let n = 1; ; n++) if (!taken.includes(`${clean}-${n}`)) return `${clean}-${n}`;
}

export type HostProblems = Partial<Record<keyof HostDraft, string>>;

export function hostDraftProblems(draft: HostDraft, existing: HostEntry[]): HostProblems {
  const problems: HostProblems = {};
  const address = addressProblem(draft.address);
  if (address) problems.address = address;
  const port = portProblem(draft.port);
  if (port) problems.port = port;
  const user = userProblem(draft.user);
  if (user) problems.user = user;
  if (draft.auth === 'key' && !draft.keyPath.trim())
    problems.keyPath = 'Choose the private key file to log in with.';
  if (!problems.address && existing.some((h) => h.address === draft.address && h.port === draft.port)) {
    problems.address = `${draft.address} is already in the list.`;
  }
  return problems;
}

export interface HostsSlice {
  hosts: HostEntry[];
  /** Adds the host when valid; returns the problems otherwise (nothing is added then). */
  addHost: (draft: HostDraft) => HostProblems;
  removeHost: (id: string) => void;
  updateHost: (id: string, patch: Partial<Pick<HostEntry, 'role' | 'nodeName' | 'firewall'>>) => void;
}

export const createHostsSlice: StateCreator<Store, [], [], HostsSlice> = (set, get) => ({
  hosts: [],
  addHost(draft) {
    const problems = hostDraftProblems(draft, get().hosts);
    if (Object.keys(problems).length > 0) return problems;
    const id = `${draft.user}@${draft.address}:${draft.port}`;
    set((state) => {
      const nodeName = suggestNodeName(
        draft.address,
        state.hosts.map((h) => h.nodeName),
      );
      // The first machine added becomes the server; the others join it as agents.
      const role: Role = state.hosts.some((h) => h.role === 'server') ? 'agent' : 'server';
      return { hosts: [...state.hosts, { ...draft, id, role, nodeName }] };
    });
    return {};
  },
  updateHost(id, patch) {
    set((state) => ({ hosts: state.hosts.map((host) => (host.id === id ? { ...host, ...patch } : host)) }));
  },
  removeHost(id) {
    set((state) => ({ hosts: state.hosts.filter((host) => host.id !== id) }));
  },
});
