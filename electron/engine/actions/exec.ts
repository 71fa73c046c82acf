/** A command line on the host (as root when `sudo`); the install script with its own timeout and join watch. */
import { AppError } from '../../../shared/errors';
import { fillTemplate } from '../../../shared/plan';
import type { ExecOutcome } from '../host-runner';
import { execWatchingJoin, JoinStopped } from '../join-watch';
import { isInstallScript, joins, unitOf } from '../k3s';
import { ActionFailed, type ActionModule, type ActionOf } from './action';

export const exec: ActionModule<ActionOf<'exec'>> = {
  async run({ runner, step, services, memory }, action, { signal, output, remaining }) {
    const request = {
      command: action.command,
      sudo: action.sudo,
      ...(action.stdin ? { stdin: fillTemplate(action.stdin, memory.secrets) } : {}),
      onOutput: (stream: 'stdout' | 'stderr', text: string) => output.push(stream, text),
      timeoutMs: remaining(),
      signal,
      what: action.what,
    };
    const unit = unitOf(step);
    let result: ExecOutcome;
    try {
      if (isInstallScript(action) && unit) {
        const timed = { ...request, timeoutMs: Math.min(services.serviceTimeoutMs, remaining()) };
        result = joins(step)
          ? await execWatchingJoin(runner, unit, timed, services.joinWatch)
          : await runner.exec(timed);
      } else result = await runner.exec(request);
    } catch (error) {
      if (error instanceof JoinStopped) throw new ActionFailed(action, null, { journal: error.journal });
      if (error instanceof AppError && error.code === 'TIMEOUT')
        throw new ActionFailed(action, null, { cause: error, timedOutAfterMs: request.timeoutMs });
      throw error;
    }
    if (result.code !== 0) throw new ActionFailed(action, result.code);
    return true;
  },
};
