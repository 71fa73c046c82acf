import type { StateCreator } from 'zustand';
import { STEPS, stepIndex, type StepId } from '../steps/steps';
import type { Store } from '.';

export interface WizardSlice {
  step: StepId;
  /** Steps the user has reached; the step list lets them jump back to any of these. */
  reached: StepId[];
  goTo: (step: StepId) => void;
  next: () => void;
  back: () => void;
  /** From a check's fix: open the Firewall step even if not reached yet. */
  goToFirewall: () => void;
}

export const createWizardSlice: StateCreator<Store, [], [], WizardSlice> = (set, get) => ({
  step: 'hosts',
  reached: ['hosts'],
  goTo(step) {
    if (get().reached.includes(step)) set({ step });
  },
  next() {
    const following = STEPS[stepIndex(get().step) + 1];
    if (!following) return;
    set((state) => ({
      step: following.id,
      reached: state.reached.includes(following.id) ? state.reached : [...state.reached, following.id],
    }));
  },
  goToFirewall() {
    set((state) => ({
      step: 'firewall',
      reached: [
        ...new Set([...state.reached, ...STEPS.slice(0, stepIndex('firewall') + 1).map((s) => s.id)]),
      ],
    }));
  },
  back() {
    const previous = STEPS[stepIndex(get().step) - 1];
    if (previous) set({ step: previous.id });
  },
});
