/** A file on the host read into the run's memory as a secret (the join token, the kubeconfig). */
import { shJoin } from '../../../shared/shell';
import { ActionFailed, type ActionModule, type ActionOf } from './action';

/** The kubeconfig as a whole and each credential in it, so the redactor knows them all. */
function registerKubeconfigSecrets(text: string, onSecret: (value: string) => void): void {
  onSecret(text);
  for (const match of text.matchAll(/(client-key-data|token|password):\s*(\S+)/g))
    if (match[2]) onSecret(match[2]);
}

/** The command that reads it ("~/…": in the home of the user k3s-wizard logs in as: a rootless server's kubeconfig). */
export function readSecretCommand(action: ActionOf<'read-secret'>): string {
  const home = action.path.startsWith('~/') ? action.path.slice(2) : null;
  return home === null
    ? shJoin(['cat', '--', action.path])
    : shJoin(['sh', '-c', 'cat -- "$HOME/$1"', 'k3s-wizard-read', home]);
}

export const readSecret: ActionModule<ActionOf<'read-secret'>> = {
  async run({ runner, step, services, memory }, action, { signal, remaining }) {
    const r = await runner.exec({
      command: readSecretCommand(action),
      sudo: action.sudo,
      timeoutMs: Math.min(60_000, remaining()),
      signal,
      what: action.what,
    });
    const value = r.stdout.trim();
    if (r.code !== 0 || !value) {
      throw new ActionFailed(action, r.code, {
        error: {
          code: 'STEP_FAILED',
          message: `${step.host}: ${action.path} could not be read (${services.redact(r.stderr.trim()) || 'empty'}). Is K3s running there?`,
          lastOutput: [],
        },
      });
    }
    if (action.as === 'kubeconfig') registerKubeconfigSecrets(value, services.onSecret);
    else services.onSecret(value);
    memory.secrets[action.as] = action.as === 'kubeconfig' ? `${value}\n` : value;
    return false;
  },
};
