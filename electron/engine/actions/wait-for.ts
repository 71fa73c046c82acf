/** A check on the host tried every interval until it exits 0; in the verify step, a node not Ready. */
import { AppError } from '../../../shared/errors';
import { ActionFailed, type ActionModule, type ActionOf } from './action';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export const waitFor: ActionModule<ActionOf<'wait-for'>> = {
  async run({ runner }, action, { signal, output, remaining }) {
    const deadline = Date.now() + Math.min(action.timeoutMs, remaining());
    for (;;) {
      const left = deadline - Date.now();
      const r = await runner
        .exec({
          ...action.check,
          timeoutMs: Math.max(1000, Math.min(60_000, left)),
          signal,
          what: action.what,
        })
        .catch((error: unknown) => {
          // A check that hangs counts as "not yet"; anything else (connection, cancel) is final.
          if (error instanceof AppError && error.code === 'TIMEOUT') return null;
          throw error;
        });
      if (r?.code === 0) return false;
      if (Date.now() + action.intervalMs > deadline) {
        if (r) output.push('stderr', `${r.stdout}\n${r.stderr}\n`);
        throw new ActionFailed(action, r?.code ?? null, { timedOutAfterMs: action.timeoutMs });
      }
      await sleep(action.intervalMs, signal);
      if (signal.aborted) throw new AppError('CANCELLED', `Waiting to ${action.what} was stopped.`);
    }
  },
  describeFailure({ step }, action, { timedOutAfterMs, lastOutput }) {
    if (step.phase !== 'verify' || timedOutAfterMs === undefined) return null;
    return {
      code: 'NODE_NOT_READY',
      message: `${step.host}: could not ${action.what} within ${Math.round(timedOutAfterMs / 1000)} s. Look at that node’s K3s journal (journalctl -u k3s-agent or -u k3s).`,
      lastOutput,
    };
  },
};
