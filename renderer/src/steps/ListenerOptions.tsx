/**
 * The Cluster step's API listener panel: where nodes and kubectl reach the API, each server's
 * listener options (with when to use each), and how K3s names the nodes.
 */
import { useId } from 'react';
import { Issues } from '../components/Issues';
import { useAppStore } from '../store';
import { EMPTY_LISTENER } from '../store/cluster-slice';
import { issuesAt } from '../store/spec';
import { useWizardIssues } from '../store/use-issues';

const OPTION_HELP = [
  [
    'API endpoint',
    'a load balancer or virtual IP in front of the servers, or a second address of the first server: nodes join it and the kubeconfig points at it (address, or address:port when the forwarder listens on another port).',
  ],
  [
    'Bind address',
    'a machine with several networks where the API must listen on one only (--bind-address); nodes must then reach it on that address.',
  ],
  [
    'Listen port',
    'a server where corporate policy allows another port than the cluster’s API port (--https-listen-port on that server only): its firewall opens that port, and nodes and kubectl reach it there. Every server must still be reached at one port by the cluster (the in-cluster kubernetes service holds one port for all servers), so with several servers give them the same port, or set the advertise port where a forwarder maps it. Like any port other than 6443, it is known to break in-cluster clients that reach 10.43.0.1:443 (metrics-server, local-path-provisioner): the install checks that the kubernetes service reaches it.',
  ],
  [
    'Advertise address and port',
    'what the server tells the cluster to use for it (--advertise-address, --advertise-port): when a forwarder or NAT maps another address or port than the one it listens on.',
  ],
  [
    'TLS names',
    'every name or address clients use that the certificate does not already have (--tls-san): the endpoint, a DNS name, a VPN address. Without it kubectl and agents fail with “x509: certificate is valid for …”.',
  ],
  [
    'External IP',
    'the address this machine is reached on from outside its network, e.g. behind NAT (--node-external-ip); also put in the certificate.',
  ],
] as const;

export function ListenerOptions() {
  const cluster = useAppStore((s) => s.cluster);
  const setCluster = useAppStore((s) => s.setCluster);
  const setListener = useAppStore((s) => s.setListener);
  const hosts = useAppStore((s) => s.hosts);
  const issues = useWizardIssues();
  const id = useId();
  const f = (name: string) => `${id}-${name}`;

  return (
    <fieldset className="panel">
      <legend>API listener and node names</legend>
      <p className="help">
        The API listens on port {Number.isNaN(cluster.apiPort) ? '?' : cluster.apiPort} on every server (
        <code>https-listen-port</code>, set under Networking) unless a server has a listen port of its own
        below. The firewall plan, the connection tests, the join command and the kubeconfig follow the port
        and addresses chosen here.
      </p>
      <dl className="help">
        {OPTION_HELP.map(([term, text]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>Use it for {text}</dd>
          </div>
        ))}
      </dl>
      <div className="field">
        <label htmlFor={f('endpoint')}>API endpoint</label>
        <input
          id={f('endpoint')}
          value={cluster.apiEndpoint}
          placeholder="the first server’s address"
          onChange={(e) => setCluster({ apiEndpoint: e.target.value })}
        />
        <Issues issues={issuesAt(issues, 'networking.endpoint')} />
      </div>
      {hosts.map((host, index) => {
        const l = cluster.listeners[host.id] ?? EMPTY_LISTENER;
        const at = `nodes[${index}]`;
        const label = host.nodeName || host.address;
        return (
          <fieldset key={host.id} className="subpanel" aria-label={`Listener of ${label}`}>
            <legend>
              {label} ({host.role})
            </legend>
            <div className="field-row">
              {host.role === 'server' && (
                <>
                  <div className="field">
                    <label htmlFor={f(`bind-${index}`)}>Bind address of {label}</label>
                    <input
                      id={f(`bind-${index}`)}
                      value={l.bindAddress}
                      placeholder="all addresses"
                      onChange={(e) => setListener(host.id, { bindAddress: e.target.value })}
                    />
                  </div>
                  <div className="field">
                    <label htmlFor={f(`adv-${index}`)}>Advertise address of {label}</label>
                    <input
                      id={f(`adv-${index}`)}
                      value={l.advertiseAddress}
                      placeholder="its node IP"
                      onChange={(e) => setListener(host.id, { advertiseAddress: e.target.value })}
                    />
                  </div>
                  <div className="field narrow">
                    <label htmlFor={f(`port-${index}`)}>Listen port of {label}</label>
                    <input
                      id={f(`port-${index}`)}
                      value={l.httpsListenPort}
                      inputMode="numeric"
                      placeholder={Number.isNaN(cluster.apiPort) ? 'the API port' : String(cluster.apiPort)}
                      onChange={(e) => setListener(host.id, { httpsListenPort: e.target.value })}
                    />
                  </div>
                  <div className="field narrow">
                    <label htmlFor={f(`advport-${index}`)}>Advertise port of {label}</label>
                    <input
                      id={f(`advport-${index}`)}
                      value={l.advertisePort}
                      inputMode="numeric"
                      placeholder="the API port"
                      onChange={(e) => setListener(host.id, { advertisePort: e.target.value })}
                    />
                  </div>
                  <div className="field grow">
                    <label htmlFor={f(`sans-${index}`)}>TLS names of {label}</label>
                    <input
                      id={f(`sans-${index}`)}
                      value={l.tlsSans}
                      placeholder="vip.lan, 192.168.5.10"
                      onChange={(e) => setListener(host.id, { tlsSans: e.target.value })}
                    />
                  </div>
                </>
              )}
              <div className="field">
                <label htmlFor={f(`ext-${index}`)}>External IP of {label}</label>
                <input
                  id={f(`ext-${index}`)}
                  value={l.nodeExternalIp}
                  placeholder="none"
                  onChange={(e) => setListener(host.id, { nodeExternalIp: e.target.value })}
                />
              </div>
            </div>
            {host.role === 'server' && (
              <label className="check">
                <input
                  type="checkbox"
                  checked={l.rootless}
                  onChange={(e) => setListener(host.id, { rootless: e.target.checked })}
                />
                Run K3s rootless on {label} (as {host.user}, not root). It needs pure cgroup v2 with
                delegation, subordinate ids and lingering: the plan checks them and names each fix. The server
                then runs alone (no agents from other machines); 6443 (the API) and LoadBalancer ports below
                1024 move up by 10000 on the host (6443 → 16443, 80 → 10080). Installing it rootless is not
                built yet: the plan stops after the checks.
              </label>
            )}
            <Issues issues={issuesAt(issues, `${at}.listener`, `${at}.nodeExternalIp`, `${at}.rootless`)} />
          </fieldset>
        );
      })}
      <div className="choices" role="radiogroup" aria-label="Node names">
        <label>
          <input
            type="radio"
            name={f('identity')}
            checked={cluster.nodeIdentity === 'names'}
            onChange={() => setCluster({ nodeIdentity: 'names' })}
          />
          Node names from the Hosts step (node-name): stable across reinstalls; each machine needs its own.
        </label>
        <label>
          <input
            type="radio"
            name={f('identity')}
            checked={cluster.nodeIdentity === 'with-node-id'}
            onChange={() => setCluster({ nodeIdentity: 'with-node-id' })}
          />
          Host name plus a random id (with-node-id): cloned machines that share a host name join as different
          nodes, but a reinstall makes a new id, so a new node (delete the old one by hand).
        </label>
      </div>
      <p className="help">
        Joining a machine by hand instead: the join command on the Done step sets the name with --node-name,
        K3S_NODE_NAME (kept in the service’s environment file) or --with-node-id.
      </p>
    </fieldset>
  );
}
