import type { StateCreator } from 'zustand';
import type { HostFacts } from '../../../shared/facts';
import { draftHostId } from '../../../shared/draft';
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
  /** The Kubernetes node name; starts from the machine's own hostname once probed, editable. */
  nodeName: string;
  /** The user typed the node name: it is no longer derived from the hostname. */
  nodeNameSet?: boolean;
  /** A sudo password was handed to the back end for this machine (never the password itself). */
  sudoPasswordGiven?: boolean;
  /** This machine's firewall choice when it differs from the cluster's. */
  firewall?: FirewallPolicy;
}

/** A hostname or address label made into a valid Kubernetes node name; '' when nothing is left. */
export function nodeNameFrom(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 63)
    .replace(/[-.]+$/g, '');
}

/** Before the probe: the first label of a host name; an IP address has no name of its own. */
function nameBeforeProbe(address: string): string {
  return isIPv4(address) || address.includes(':') ? '' : nodeNameFrom(address.split('.')[0] ?? '');
}

/**
 * The node names the wizard picks: each machine's probed hostname (made valid for Kubernetes),
 * else its host name, else "node". Names are only invented where they would clash: ten
 * `raspberrypi` become `raspberrypi-1` … `raspberrypi-10`. Names the user typed stay as typed.
 */
export function autoNodeNames(
  hosts: readonly HostEntry[],
  facts: Readonly<Record<string, HostFacts>>,
): HostEntry[] {
  const fixed = new Set(hosts.filter((h) => h.nodeNameSet).map((h) => h.nodeName));
  const base = (host: HostEntry): string =>
    nodeNameFrom(facts[host.id]?.hostname ?? '') || nameBeforeProbe(host.address) || 'node';
  const count = new Map<string, number>();
  for (const host of hosts) if (!host.nodeNameSet) count.set(base(host), (count.get(base(host)) ?? 0) + 1);
  const used = new Set(fixed);
  const next = new Map<string, number>();
  const named = hosts.map((host) => {
    if (host.nodeNameSet) return host;
    const wanted = base(host);
    let name = wanted;
    if ((count.get(wanted) ?? 0) > 1 || wanted === 'node' || used.has(wanted)) {
      let n = next.get(wanted) ?? 1;
      while (used.has(`${wanted}-${n}`)) n++;
      name = `${wanted}-${n}`;
      next.set(wanted, n + 1);
    }
    used.add(name);
    return name === host.nodeName ? host : { ...host, nodeName: name };
  });
  return named.every((host, i) => host === hosts[i]) ? (hosts as HostEntry[]) : named;
}

export type HostProblems = Partial<Record<keyof HostDraft, string>>;

export function hostDraftProblems(draft: HostDraft, existing: readonly HostEntry[]): HostProblems {
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
  /** Changes how to log in to a machine already in the list; returns the problems (nothing changes then). */
  updateLogin: (id: string, login: Pick<HostDraft, 'port' | 'user' | 'auth' | 'keyPath'>) => HostProblems;
  /** Derives the node names not typed by the user again (after a probe found a hostname). */
  renameNodes: () => void;
}

export const createHostsSlice: StateCreator<Store, [], [], HostsSlice> = (set, get) => ({
  hosts: [],
  addHost(draft) {
    const problems = hostDraftProblems(draft, get().hosts);
    if (Object.keys(problems).length > 0) return problems;
    const id = draftHostId(draft);
    set((state) => {
      // The first machine added becomes the server; the others join it as agents.
      const role: Role = state.hosts.some((h) => h.role === 'server') ? 'agent' : 'server';
      return { hosts: autoNodeNames([...state.hosts, { ...draft, id, role, nodeName: '' }], state.facts) };
    });
    return {};
  },
  updateHost(id, patch) {
    set((state) => {
      const hosts = state.hosts.map((host) =>
        host.id === id
          ? { ...host, ...patch, ...(patch.nodeName !== undefined ? { nodeNameSet: true } : {}) }
          : host,
      );
      return { hosts: patch.nodeName !== undefined ? autoNodeNames(hosts, state.facts) : hosts };
    });
  },
  updateLogin(id, login) {
    const host = get().hosts.find((h) => h.id === id);
    if (!host) return {};
    const draft = { ...login, address: host.address };
    const problems = hostDraftProblems(
      draft,
      get().hosts.filter((h) => h.id !== id),
    );
    if (Object.keys(problems).length > 0) return problems;
    // The id stays: the machine's facts, connection and node name belong to it.
    set((state) => ({ hosts: state.hosts.map((h) => (h.id === id ? { ...h, ...login } : h)) }));
    return {};
  },
  renameNodes() {
    set((state) => ({ hosts: autoNodeNames(state.hosts, state.facts) }));
  },
  removeHost(id) {
    set((state) => ({ hosts: state.hosts.filter((host) => host.id !== id) }));
  },
});
