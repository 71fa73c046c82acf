import { useId, useMemo } from 'react';
import {
  clusterFlows,
  planFirewall,
  type FirewallPlan,
  type Flow,
  type FlowStatus,
} from '../../../shared/firewall';
import type { HostFacts } from '../../../shared/facts';
import { shJoin } from '../../../shared/shell';
import { FIREWALL_POLICIES, type FirewallPolicy } from '../../../shared/spec';
import { FlowPicture, STATUS_TEXT } from '../components/FlowPicture';
import { FirewallAdvicePanel } from './FirewallAdvice';
import { DataTable } from '../components/DataTable';
import { Fold, FOLD_AFTER } from '../components/Fold';
import { Issues } from '../components/Issues';
import { useAppStore } from '../store';
import { issuesAt } from '../store/spec';
import { useFactsByNode } from '../store/use-facts';
import { useSpecCheck } from '../store/use-spec';
import { useWizardIssues } from '../store/use-issues';

const POLICY_TEXT: Record<FirewallPolicy, { title: string; help: string }> = {
  configure: {
    title: 'Open exactly what K3s needs',
    help: 'Adds rules for the K3s ports, only from the cluster’s machines (the API also from the computers you allow). Recommended.',
  },
  disable: {
    title: 'Turn the firewall off',
    help: 'What the K3s documentation suggests (systemctl disable firewalld --now, or ufw disable): fine on a trusted home network, but every service on the machine becomes reachable by anyone on its network, not only K3s.',
  },
  leave: {
    title: 'Leave it as it is',
    help: 'Changes nothing. The picture below shows what will not work.',
  },
};

function found(facts: HostFacts | undefined): string {
  if (!facts) return 'Not probed yet: run the checks to see its firewall.';
  const fw = facts.firewall;
  if (fw.firewalldActive) {
    const zones = fw.firewalld?.zones.map((z) => z.name).join(', ') ?? 'unknown';
    return `firewalld is active (default zone ${fw.firewalld?.defaultZone ?? 'unknown'}; zones in use: ${zones}).`;
  }
  if (fw.ufwActive)
    return `ufw is active (incoming: ${fw.ufw?.defaultIncoming ?? 'unknown'}, ${fw.ufw?.rules.length ?? 0} rules).`;
  if (fw.kind === 'nftables' || fw.kind === 'iptables')
    return `${fw.rawRuleCount ?? 'Some'} ${fw.kind} rules not managed by firewalld or ufw.`;
  if (fw.kind === 'none') return 'No firewall is active.';
  return 'The firewall could not be determined (sudo may be needed).';
}

function PlanDiff({ plan }: { plan: FirewallPlan }) {
  if (plan.commands.length === 0) return <p className="help">No changes on this machine.</p>;
  return (
    <pre className="commands rules-diff" aria-label={`Firewall changes on ${plan.node}`}>
      {plan.commands
        .map((c) => `${plan.policy === 'disable' ? '-' : '+'} ${c.what}\n    sudo ${shJoin(c.argv)}`)
        .join('\n')}
    </pre>
  );
}

export function FirewallStep() {
  const { spec } = useSpecCheck();
  const issues = useWizardIssues();
  const facts = useFactsByNode();
  const cluster = useAppStore((s) => s.cluster);
  const hosts = useAppStore((s) => s.hosts);
  const setCluster = useAppStore((s) => s.setCluster);
  const updateHost = useAppStore((s) => s.updateHost);
  const id = useId();
  const fold = hosts.length > FOLD_AFTER;
  const flows = useMemo(() => (spec ? clusterFlows(spec, facts) : []), [spec, facts]);
  const plans = useMemo(
    () =>
      spec
        ? spec.nodes.map((node) =>
            planFirewall({ spec, node, facts: facts[node.nodeName] ?? null, allFacts: facts }),
          )
        : [],
    [spec, facts],
  );
  if (!spec) return <p className="panel muted">Fix the problems on the Hosts and Cluster steps first.</p>;

  return (
    <div className="firewall">
      <fieldset className="panel">
        <legend>What to do with the machines’ firewalls</legend>
        <div className="choices" role="radiogroup" aria-label="Firewall policy">
          {FIREWALL_POLICIES.map((policy) => (
            <label key={policy}>
              <input
                type="radio"
                name={`${id}-policy`}
                checked={cluster.firewallPolicy === policy}
                onChange={() => setCluster({ firewallPolicy: policy })}
              />
              {POLICY_TEXT[policy].title} <span className="help">— {POLICY_TEXT[policy].help}</span>
            </label>
          ))}
        </div>
        <div className="field">
          <label htmlFor={`${id}-clients`}>Who may use kubectl on the cluster (API port)</label>
          <input
            id={`${id}-clients`}
            value={cluster.firewallClients}
            placeholder="anyone — or addresses and networks, e.g. 192.168.1.0/24"
            onChange={(e) => setCluster({ firewallClients: e.target.value })}
          />
        </div>
        <Issues issues={issuesAt(issues, 'firewall')} />
      </fieldset>

      <FirewallAdvicePanel spec={spec} />

      <section className="panel" aria-labelledby={`${id}-picture`}>
        <h2 id={`${id}-picture`}>Connections the cluster needs</h2>
        <ul className="legend" aria-hidden="true">
          {(['open', 'to-open', 'blocked', 'unknown'] as const).map((s) => (
            <li key={s} className={`flow-${s}`}>
              {STATUS_TEXT[s]}
            </li>
          ))}
        </ul>
        {fold ? <FlowsByMachine flows={flows} /> : <FlowPicture spec={spec} flows={flows} />}
        <Fold fold summary={`Every connection as a list (${flows.length})`}>
          <DataTable
            caption="Connections"
            rows={flows}
            rowKey={(f) => `${f.from}-${f.to}-${f.rule.id}-${f.rule.protocol}`}
            columns={[
              { head: 'From', cell: (f) => (f.from === 'you' ? 'Your computer' : f.from) },
              { head: 'To', cell: (f) => f.to },
              {
                head: 'Port',
                cell: (f) =>
                  `${f.rule.from === f.rule.to ? f.rule.from : `${f.rule.from}-${f.rule.to}`}/${f.rule.protocol}`,
              },
              { head: 'Why', cell: (f) => f.rule.reason },
              { head: 'Status', className: (f) => `flow-${f.status}`, cell: (f) => STATUS_TEXT[f.status] },
            ]}
          />
        </Fold>
      </section>
      <Fold fold={fold} summary={`Firewall changes on every machine (${plans.length})`}>
        {plans.map((plan) => {
          const host = hosts.find((h) => h.nodeName === plan.node);
          return (
            <section key={plan.node} className="panel" aria-labelledby={`${id}-${plan.node}`}>
              <header className="host-plan-head">
                <h2 id={`${id}-${plan.node}`}>{plan.node}</h2>
                {host && (
                  <select
                    aria-label={`Firewall choice for ${plan.node}`}
                    value={host.firewall ?? ''}
                    onChange={(e) =>
                      updateHost(host.id, {
                        firewall: (e.target.value || undefined) as FirewallPolicy | undefined,
                      })
                    }
                  >
                    <option value="">As the cluster: {POLICY_TEXT[cluster.firewallPolicy].title}</option>
                    {FIREWALL_POLICIES.map((p) => (
                      <option key={p} value={p}>
                        {POLICY_TEXT[p].title}
                      </option>
                    ))}
                  </select>
                )}
              </header>
              <p>{found(facts[plan.node])}</p>
              <Issues
                issues={plan.checks
                  .filter((c) => c.severity !== 'info')
                  .map((c) => ({
                    path: '',
                    severity: c.severity === 'error' ? 'error' : 'warning',
                    message: c.message,
                  }))}
              />
              <PlanDiff plan={plan} />
            </section>
          );
        })}
      </Fold>
    </div>
  );
}

/** With many machines: per machine, how many of the connections it must accept are in each state. */
function FlowsByMachine({ flows }: { flows: readonly Flow[] }) {
  const byTarget = new Map<string, Record<FlowStatus, number>>();
  for (const flow of flows) {
    const counts = byTarget.get(flow.to) ?? { open: 0, 'to-open': 0, blocked: 0, unknown: 0 };
    counts[flow.status] += 1;
    byTarget.set(flow.to, counts);
  }
  const order: FlowStatus[] = ['blocked', 'unknown', 'to-open', 'open'];
  return (
    <div className="matrix-scroll">
      <table className="matrix" aria-label="Connections by machine">
        <thead>
          <tr>
            <th scope="col">Machine (connections it accepts)</th>
            {order.map((status) => (
              <th scope="col" key={status}>
                {STATUS_TEXT[status]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...byTarget].map(([machine, counts]) => (
            <tr key={machine}>
              <th scope="row">{machine}</th>
              {order.map((status) => (
                <td key={status} className={counts[status] ? `flow-${status}` : 'cell-none'}>
                  {counts[status]}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
