/** A file written on the host as root through stdin, then its mode and owner set. */
import { fillTemplate } from '../../../shared/plan';
import type { ActionModule, ActionOf } from './action';

export const writeFile: ActionModule<ActionOf<'write-file'>> = {
  async run({ runner, memory }, action, { signal, remaining }) {
    await runner.writeFile({
      path: action.path,
      mode: action.mode,
      owner: action.owner,
      content: fillTemplate(action.content, memory.secrets),
      timeoutMs: remaining(),
      signal,
    });
    return true;
  },
};
