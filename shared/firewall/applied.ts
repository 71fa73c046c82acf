/**
 * "Is this firewall plan already in place?" as one shell check, derived from its commands, so
 * a re-run skips the step instead of re-applying rules from facts taken before they existed.
 * A check that cannot be sure answers no: the commands are idempotent, re-running is safe.
 */
import { shJoin } from '../shell';
import type { FirewallCommand } from './types';

const FIREWALLD_QUERY: Record<string, string> = {
  '--add-source': '--query-source',
  '--change-source': '--query-source',
  '--add-port': '--query-port',
  '--add-rich-rule': '--query-rich-rule',
  '--add-service': '--query-service',
};

/** The check for one command, or null when there is no way to ask. */
function queryFor(argv: readonly string[]): string | null {
  const [tool, ...args] = argv;
  if (tool === 'firewall-cmd') {
    const query = args.map((arg) => {
      const eq = arg.indexOf('=');
      const option = eq < 0 ? arg : arg.slice(0, eq);
      const replacement = FIREWALLD_QUERY[option];
      return replacement ? replacement + arg.slice(option.length) : arg;
    });
    return query.some((arg, i) => arg !== args[i]) ? shJoin(['firewall-cmd', ...query]) : null;
  }
  if (tool === 'systemctl' && args[0] === 'disable' && args.includes('--now')) {
    const unit = args.at(-1) ?? '';
    return `! systemctl is-active --quiet ${shJoin([unit])} && ! systemctl is-enabled --quiet ${shJoin([unit])}`;
  }
  if (tool === 'ufw' && args[0] === 'disable') return "ufw status | grep -q '^Status: inactive'";
  // `ufw show added` lists the user rules in the form they were added: "ufw allow proto …".
  if (tool === 'ufw' && args[0] === 'allow') return `ufw show added | grep -qxF ${shJoin([shJoin(argv)])}`;
  return null;
}

/**
 * One simple command (`sh -c '…'`, so `sudo` can prefix it in a script) that exits 0 only when
 * every change of the plan is already there.
 */
export function appliedCheck(commands: readonly FirewallCommand[]): string | null {
  if (commands.length === 0) return null;
  const queries = commands.map((command) => queryFor(command.argv));
  if (queries.some((q) => q === null)) return null;
  return shJoin(['sh', '-c', (queries as string[]).map((q) => `{ ${q}; } >/dev/null 2>&1`).join(' && ')]);
}
