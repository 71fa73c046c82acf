export const STEPS = [
  {
    id: 'hosts',
    title: 'Hosts',
    summary: 'The machines that will form the cluster, and how to log in to them.',
  },
  {
    id: 'checks',
    title: 'Checks',
    summary: 'What each machine needs before K3s can run on it, and the fixes.',
  },
  {
    id: 'cluster',
    title: 'Cluster',
    summary: 'Version, install source, servers, networking and components.',
  },
  { id: 'firewall', title: 'Firewall', summary: 'Which ports must be open between the machines, and how.' },
  {
    id: 'review',
    title: 'Review',
    summary: 'Every command that will run, on every machine, before anything runs.',
  },
  {
    id: 'install',
    title: 'Install',
    summary: 'The server first, then the agents, with live progress per machine.',
  },
  { id: 'done', title: 'Done', summary: 'Your cluster, its kubeconfig and the command to add more nodes.' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];

export function stepIndex(id: StepId): number {
  return STEPS.findIndex((step) => step.id === id);
}
