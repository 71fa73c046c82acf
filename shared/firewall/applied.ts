/**
 * "Is this firewall plan already in place?" as one shell check, derived from its commands, so
 * a re-run skips the step instead of re-applying rules from facts taken before they existed.
 * A check that cannot be sure answers no: the commands are idempotent, re-running is safe.
 */
import { shJoin, shQuote } from '../shell';
import type { FirewallCommand } from './types';

const FIREWALLD_QUERY: Record<string, string> = {
  '--add-source': '--query-source',
  '--change-source': '--query-source',
  '--add-port': '--query-port',
  '--add-rich-rule': '--query-rich-rule',
  '--add-service': '--query-service',
};

/**
 * An allow rule as `ufw show added` prints it (checked on a real ufw): "ufw allow 6443/tcp",
 * "ufw allow from 10.0.0.2 to any port 10250 proto tcp", "ufw allow from 10.42.0.0/16", each
 * followed by "comment '…'" when it has one. Null for a form not known here.
 */
export function ufwShown(argv: readonly string[]): string | null {
  const words = argv.slice(2);
  const opts = new Map<string, string>();
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i];
    const value = words[i + 1];
    if (key === undefined || value === undefined || opts.has(key)) return null;
    opts.set(key, value);
  }
  if ([...opts.keys()].some((k) => !['proto', 'from', 'to', 'port', 'comment'].includes(k))) return null;
  const from = opts.get('from') ?? 'any';
  const port = opts.get('port');
  const proto = opts.get('proto');
  if ((opts.get('to') ?? 'any') !== 'any' || (port !== undefined) !== (proto !== undefined)) return null;
  const rule =
    port === undefined
      ? `ufw allow from ${from}`
      : from === 'any'
        ? `ufw allow ${port}/${proto ?? ''}`
        : `ufw allow from ${from} to any port ${port} proto ${proto ?? ''}`;
  const comment = opts.get('comment');
  return comment === undefined
    ? rule
    : `${rule} comment ${shQuote(comment).startsWith("'") ? shQuote(comment) : `'${comment}'`}`;
}

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
  if (tool === 'ufw' && args[0] === 'allow') {
    const shown = ufwShown(argv);
    return shown === null ? null : `ufw show added | grep -qxF ${shJoin([shown])}`;
  }
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
