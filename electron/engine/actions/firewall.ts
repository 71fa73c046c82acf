/** Firewall rules with their safety net (electron/engine/firewall-apply.ts). */
import { applyFirewall, settleEarlierGuards } from '../firewall-apply';
import type { ActionModule, ActionOf } from './action';

export const firewall: ActionModule<ActionOf<'firewall'>> = {
  // A guard an earlier run left armed would take these rules back later.
  beforeCheck: ({ runner, dryRun }, { signal, output }) =>
    settleEarlierGuards({ runner, signal, dryRun, output }),
  run: ({ runner, services }, action, { signal, output }) =>
    applyFirewall(action, {
      runner,
      services,
      signal,
      log: (line) => output.push('stdout', line),
      redact: services.redact,
    }),
};
