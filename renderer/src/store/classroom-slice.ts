/**
 * The Classroom screen's state: the roster the teacher pasted (CSV, list or range), its problems
 * by line, and the machines' clusters with their moves. Pure work from shared/fleet; nothing here
 * logs in to a machine.
 */
import type { StateCreator } from 'zustand';
import { assign, moveMachine, type FleetCluster } from '../../../shared/fleet/assign';
import { parseRoster, type RosterProblem } from '../../../shared/fleet/roster';
import type { Store } from '.';

export interface ClassroomSlice {
  classroomOpen: boolean;
  setClassroomOpen: (open: boolean) => void;
  rosterText: string;
  setRosterText: (text: string) => void;
  /** Clusters to split a roster without a group column into. */
  clusterCount: number;
  setClusterCount: (count: number) => void;
  rosterProblems: RosterProblem[];
  fleet: FleetCluster[];
  importRoster: () => void;
  /** Moves a machine to another cluster (at `index`, else last). */
  moveTo: (address: string, group: string, index?: number) => void;
  /** Moves a machine to the cluster before (-1) or after (+1) its own. */
  moveBy: (address: string, step: -1 | 1) => void;
}

export const createClassroomSlice: StateCreator<Store, [], [], ClassroomSlice> = (set, get) => ({
  classroomOpen: false,
  setClassroomOpen: (open) => set({ classroomOpen: open }),
  rosterText: '',
  setRosterText: (text) => set({ rosterText: text }),
  clusterCount: 2,
  setClusterCount: (count) => set({ clusterCount: count }),
  rosterProblems: [],
  fleet: [],
  importRoster() {
    const { rosterText, clusterCount } = get();
    const roster = parseRoster(rosterText);
    if (roster.problems.length) {
      set({ rosterProblems: roster.problems });
      return;
    }
    try {
      const grouped = roster.machines.length > 0 && roster.machines.every((m) => m.group);
      set({ fleet: assign(roster.machines, grouped ? undefined : clusterCount), rosterProblems: [] });
    } catch (error) {
      set({ rosterProblems: [{ line: 0, message: (error as Error).message }] });
    }
  },
  moveTo(address, group, index) {
    set({ fleet: moveMachine(get().fleet, address, group, index) });
  },
  moveBy(address, step) {
    const { fleet } = get();
    const at = fleet.findIndex((c) => c.machines.some((m) => m.address === address));
    const target = fleet[at + step];
    if (at < 0 || !target) return;
    set({ fleet: moveMachine(fleet, address, target.group) });
  },
});
