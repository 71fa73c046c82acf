/** On this computer: every file there and matching its checksum, before anything is uploaded. */
import type { ActionModule, ActionOf } from './action';

export const checkFiles: ActionModule<ActionOf<'check-files'>> = {
  async run({ services }, action, { signal, output }) {
    const checked = await services.checkLocalFiles(action.files, signal);
    for (const line of checked) output.push('stdout', `${line}\n`);
    return false;
  },
};
