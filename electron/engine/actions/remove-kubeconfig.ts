/** On this computer: the cluster's entries taken out of the kubeconfig k3s-wizard wrote. */
import type { ActionModule, ActionOf } from './action';

export const removeKubeconfig: ActionModule<ActionOf<'remove-kubeconfig'>> = {
  async run({ services }, action, { output }) {
    const removed = await services.removeKubeconfig({ contextName: action.contextName, file: action.file });
    output.push('stdout', `${removed.changed ? 'removed from' : 'nothing to remove in'} ${removed.path}\n`);
    return removed.changed;
  },
};
