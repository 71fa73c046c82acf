/** On this computer: the kubeconfig read from the first server, renamed and pointing at `server`. */
import type { ActionModule, ActionOf } from './action';

export const saveKubeconfig: ActionModule<ActionOf<'save-kubeconfig'>> = {
  async run({ services, memory }, action, { output }) {
    const kubeconfig = memory.secrets[action.from];
    if (!kubeconfig) throw new Error(`The ${action.from} was not read before saving it.`);
    const saved = await services.saveKubeconfig({
      kubeconfig,
      server: action.server,
      contextName: action.contextName,
      file: action.file,
    });
    memory.kubeconfig = { path: saved.path, contextName: action.contextName };
    output.push('stdout', `${saved.changed ? 'wrote' : 'unchanged:'} ${saved.path}\n`);
    if (saved.note) output.push('stdout', `${saved.note}\n`);
    return saved.changed;
  },
};
