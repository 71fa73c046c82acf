/** A file from this computer copied to the host, with progress; skipped when the host has it already. */
import { emitProgress } from '../step-context';
import type { ActionModule, ActionOf } from './action';

export const upload: ActionModule<ActionOf<'upload'>> = {
  async run(ctx, action, { signal, output, remaining, index }) {
    const { runner, step } = ctx;
    const { skipped } = await runner.upload({
      localFile: action.localFile,
      remotePath: action.remotePath,
      mode: action.mode,
      sha256: action.sha256,
      timeoutMs: remaining(),
      signal,
      onProgress: (transferred, total) => emitProgress(ctx, index, action.what, { transferred, total }),
    });
    if (skipped)
      output.push('stdout', `already on ${step.host} with the same sha256: ${action.remotePath}\n`);
    return !skipped;
  },
};
