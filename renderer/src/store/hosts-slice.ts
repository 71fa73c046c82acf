import type { StateCreator } from 'zustand';
import { addressProblem, portProblem, userProblem } from '../../../shared/validate';
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
}

export const createHostsSlice: StateCreator<Store, [], [], HostsSlice> = (set, get) => ({
  hosts: [],
  addHost(draft) {
    const problems = hostDraftProblems(draft, get().hosts);
    if (Object.keys(problems).length > 0) return problems;
    const id = `${draft.user}@${draft.address}:${draft.port}`;
    set((state) => ({ hosts: [...state.hosts, { ...draft, id }] }));
    return {};
  },
  removeHost(id) {
    set((state) => ({ hosts: state.hosts.filter((host) => host.id !== id) }));
  },
});
