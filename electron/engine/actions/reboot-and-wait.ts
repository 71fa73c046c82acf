/** A reboot, then SSH waited for and reconnected; a host that does not return names its backup. */
import { AppError } from '../../../shared/errors';
import { emitProgress } from '../step-context';
import type { ActionModule, ActionOf } from './action';

export const rebootAndWait: ActionModule<ActionOf<'reboot-and-wait'>> = {
  async run(ctx, action, { signal, remaining, index }) {
    const { runner, step } = ctx;
    try {
      await runner.rebootAndWait({
        timeoutMs: Math.min(action.timeoutMs, remaining()),
        signal,
        onWaiting: (elapsedMs) =>
          emitProgress(ctx, index, `${action.what}: away for ${Math.round(elapsedMs / 1000)} s`),
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'HOST_DID_NOT_RETURN' && action.backup)
        throw new AppError(
          error.code,
          `${error.message} Check it (power, SD card, a screen); the file changed before the reboot was backed up as ${action.backup} on ${step.host}: copy it back to undo the change.`,
          { ...error.details, backup: action.backup },
        );
      throw error;
    }
    return true;
  },
};
