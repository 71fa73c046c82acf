import { useId } from 'react';
import { COMPONENTS, FLANNEL_BACKENDS, type Component, type FlannelBackend } from '../../../shared/spec';
import { AirgapFolder } from '../components/AirgapFolder';
import { Issues } from '../components/Issues';
import { useAppStore } from '../store';
import { DEFAULT_CLUSTER, type SourceChoice } from '../store/cluster-slice';
import { issuesAt } from '../store/spec';
import { ListenerOptions } from './ListenerOptions';
import { useClusterNameIssue, useWizardIssues } from '../store/use-issues';

const BACKEND_HELP: Record<FlannelBackend, string> = {
  vxlan: 'VXLAN: works on almost every network (the default). Needs UDP 8472 between the machines.',
  'wireguard-native':
    'WireGuard: encrypts traffic between machines. Needs UDP 51820 and a kernel with WireGuard.',
  'host-gw': 'Host gateway: fastest, but every machine must be on the same network segment.',
};

const COMPONENT_HELP: Record<Component, string> = {
  traefik: 'Traefik, the built-in ingress controller (turn off if you bring your own, e.g. ingress-nginx).',
  servicelb: 'ServiceLB, which gives LoadBalancer services an address (turn off for MetalLB).',
  'local-storage': 'The local-path storage class (turn off if you use Longhorn or NFS).',
  'metrics-server': 'metrics-server, which powers kubectl top and autoscaling.',
};

export function ClusterStep() {
  const cluster = useAppStore((s) => s.cluster);
  const setCluster = useAppStore((s) => s.setCluster);
  const toggleComponent = useAppStore((s) => s.toggleComponent);
  const servers = useAppStore((s) => s.hosts.filter((h) => h.role === 'server').length);
  const issues = useWizardIssues();
  const nameIssue = useClusterNameIssue();
  const nativeDialogs = useAppStore((s) => s.info?.nativeDialogs ?? false);
  const pickPath = useAppStore((s) => s.pickPath);
  const id = useId();
  const f = (name: string) => `${id}-${name}`;
  const source = cluster.source;
  const setSource = (next: SourceChoice) => setCluster({ source: next });

  return (
    <div className="cluster-form">
      <fieldset className="panel">
        <legend>Cluster</legend>
        <div className="field">
          <label htmlFor={f('name')}>Name</label>
          <input id={f('name')} value={cluster.name} onChange={(e) => setCluster({ name: e.target.value })} />
          <p className="help">
            Names the saved cluster and its kubeconfig context: it must differ from your other clusters’.
          </p>
          <Issues issues={issuesAt(issues, 'name')} />
          {nameIssue?.path === 'name' && (
            <button type="button" onClick={() => setCluster({ name: nameIssue.suggestion })}>
              Use “{nameIssue.suggestion}”
            </button>
          )}
        </div>
      </fieldset>

      <fieldset className="panel">
        <legend>K3s version</legend>
        <div className="choices" role="radiogroup" aria-label="K3s version">
          <label>
            <input
              type="radio"
              name={f('version')}
              checked={cluster.version.kind === 'channel' && cluster.version.channel === 'stable'}
              onChange={() => setCluster({ version: { kind: 'channel', channel: 'stable' } })}
            />
            Stable channel <span className="help">— the release K3s recommends (best for most people)</span>
          </label>
          <label>
            <input
              type="radio"
              name={f('version')}
              checked={cluster.version.kind === 'channel' && cluster.version.channel === 'latest'}
              onChange={() => setCluster({ version: { kind: 'channel', channel: 'latest' } })}
            />
            Latest channel <span className="help">— the newest release</span>
          </label>
          <label>
            <input
              type="radio"
              name={f('version')}
              checked={cluster.version.kind === 'version'}
              onChange={() => setCluster({ version: { kind: 'version', version: 'v1.33.5+k3s1' } })}
            />
            An exact version
          </label>
        </div>
        {cluster.version.kind === 'version' && (
          <div className="field">
            <label htmlFor={f('exact')}>Version</label>
            <input
              id={f('exact')}
              value={cluster.version.version}
              placeholder="v1.33.5+k3s1"
              onChange={(e) => setCluster({ version: { kind: 'version', version: e.target.value } })}
            />
          </div>
        )}
        <Issues issues={issuesAt(issues, 'k3s')} />
      </fieldset>

      <fieldset className="panel">
        <legend>Install source</legend>
        <div className="choices" role="radiogroup" aria-label="Install source">
          <label>
            <input
              type="radio"
              name={f('source')}
              checked={source.kind === 'online'}
              onChange={() => setSource({ kind: 'online' })}
            />
            Online <span className="help">— each machine downloads K3s from the internet</span>
          </label>
          <label>
            <input
              type="radio"
              name={f('source')}
              checked={source.kind === 'mirror'}
              onChange={() => setSource({ kind: 'mirror', scriptUrl: '', githubUrl: '', channelUrl: '' })}
            />
            A mirror <span className="help">— your own copy of the install script and releases</span>
          </label>
          <label>
            <input
              type="radio"
              name={f('source')}
              checked={source.kind === 'airgap'}
              onChange={() => setSource({ kind: 'airgap', folder: '', images: true })}
            />
            Air-gap{' '}
            <span className="help">
              — upload K3s from a folder on this computer (no internet on the machines)
            </span>
          </label>
        </div>
        {source.kind === 'mirror' && (
          <div className="field-row">
            <div className="field grow">
              <label htmlFor={f('script')}>Install script address</label>
              <input
                id={f('script')}
                value={source.scriptUrl}
                placeholder="http://mirror.lan/install.sh"
                onChange={(e) => setSource({ ...source, scriptUrl: e.target.value })}
              />
            </div>
            <div className="field grow">
              <label htmlFor={f('github')}>Releases address (GITHUB_URL)</label>
              <input
                id={f('github')}
                value={source.githubUrl}
                placeholder="http://mirror.lan/k3s-io/k3s/releases"
                onChange={(e) => setSource({ ...source, githubUrl: e.target.value })}
              />
            </div>
            <div className="field grow">
              <label htmlFor={f('channelUrl')}>Channels address (INSTALL_K3S_CHANNEL_URL)</label>
              <input
                id={f('channelUrl')}
                value={source.channelUrl}
                placeholder="http://mirror.lan/v1-release/channels"
                onChange={(e) => setSource({ ...source, channelUrl: e.target.value })}
              />
            </div>
          </div>
        )}
        {source.kind === 'airgap' && (
          <div className="field-row">
            <div className="field grow">
              <label htmlFor={f('folder')}>Folder with install.sh and the K3s binaries</label>
              <input
                id={f('folder')}
                value={source.folder}
                placeholder="/home/me/k3s-airgap"
                onChange={(e) => setSource({ ...source, folder: e.target.value })}
              />
              {nativeDialogs && (
                <button
                  type="button"
                  onClick={() =>
                    void pickPath('folder', 'Choose the air-gap folder').then(
                      (path) => path && setSource({ ...source, folder: path }),
                    )
                  }
                >
                  Browse…
                </button>
              )}
            </div>
            <label className="check">
              <input
                type="checkbox"
                checked={source.images}
                onChange={(e) => setSource({ ...source, images: e.target.checked })}
              />
              Also upload the image archives
            </label>
          </div>
        )}
        {source.kind === 'airgap' && <AirgapFolder folder={source.folder} />}
        <Issues issues={issuesAt(issues, 'install')} />
      </fieldset>

      <fieldset className="panel">
        <legend>Servers</legend>
        <p className="help">
          {servers === 0
            ? 'No machine has the server role yet: choose one on the Hosts step.'
            : servers === 1
              ? 'One server: simple, but the cluster stops being manageable while it is down.'
              : `${servers} servers with embedded etcd: the cluster survives losing ${Math.floor((servers - 1) / 2)} of them.`}
        </p>
        <div className="field">
          <label htmlFor={f('etcd')}>Embedded etcd</label>
          <select
            id={f('etcd')}
            value={cluster.embeddedEtcd}
            onChange={(e) => setCluster({ embeddedEtcd: e.target.value as 'auto' | 'on' | 'off' })}
          >
            <option value="auto">Automatic (on with several servers)</option>
            <option value="on">On (lets you add servers later)</option>
            <option value="off">Off (SQLite, single server only)</option>
          </select>
        </div>
        <Issues issues={issuesAt(issues, 'ha', 'nodes')} />
      </fieldset>

      <fieldset className="panel">
        <legend>Networking</legend>
        <div className="field">
          <label htmlFor={f('backend')}>Pod network (flannel backend)</label>
          <select
            id={f('backend')}
            value={cluster.flannelBackend}
            onChange={(e) => setCluster({ flannelBackend: e.target.value as FlannelBackend })}
          >
            {FLANNEL_BACKENDS.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
          <p className="help">{BACKEND_HELP[cluster.flannelBackend]}</p>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={f('ccidr')}>Pod addresses (cluster CIDR)</label>
            <input
              id={f('ccidr')}
              value={cluster.clusterCidr}
              onChange={(e) => setCluster({ clusterCidr: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={f('scidr')}>Service addresses (service CIDR)</label>
            <input
              id={f('scidr')}
              value={cluster.serviceCidr}
              onChange={(e) => setCluster({ serviceCidr: e.target.value })}
            />
          </div>
          <div className="field narrow">
            <label htmlFor={f('port')}>API port</label>
            <input
              id={f('port')}
              type="number"
              value={Number.isNaN(cluster.apiPort) ? '' : cluster.apiPort}
              onChange={(e) => setCluster({ apiPort: e.target.valueAsNumber })}
            />
          </div>
        </div>
        <p className="help">
          Keep the defaults unless they overlap a network you already use (home routers often use 10.x or
          192.168.x).
        </p>
        <div className="field">
          <label htmlFor={f('sans')}>Extra names or addresses for the API certificate</label>
          <input
            id={f('sans')}
            value={cluster.tlsSans}
            placeholder="k3s.home.lan, 203.0.113.7"
            onChange={(e) => setCluster({ tlsSans: e.target.value })}
          />
          <p className="help">
            Add every name you will use to reach the cluster with kubectl (e.g. a DNS name or a VPN address).
          </p>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={cluster.openNodePorts}
            onChange={(e) => setCluster({ openNodePorts: e.target.checked })}
          />
          Open the NodePort range (30000–32767) in the machines’ firewalls
        </label>
        <Issues
          issues={issuesAt(issues, 'networking').filter((i) => !i.path.startsWith('networking.endpoint'))}
        />
      </fieldset>

      <ListenerOptions />

      <fieldset className="panel">
        <legend>Built-in components</legend>
        <p className="help">K3s installs these by default. Untick one to leave it out.</p>
        {COMPONENTS.map((component) => (
          <label key={component} className="check">
            <input
              type="checkbox"
              checked={!cluster.disable.includes(component)}
              onChange={(e) => toggleComponent(component, !e.target.checked)}
            />
            {COMPONENT_HELP[component]}
          </label>
        ))}
      </fieldset>

      <fieldset className="panel">
        <legend>kubeconfig on this computer</legend>
        <div className="field-row">
          <div className="field">
            <label htmlFor={f('context')}>Context name</label>
            <input
              id={f('context')}
              value={cluster.contextName}
              placeholder={cluster.name || DEFAULT_CLUSTER.name}
              onChange={(e) => setCluster({ contextName: e.target.value })}
            />
          </div>
          <div className="field grow">
            <label htmlFor={f('kserver')}>Server address to write</label>
            <input
              id={f('kserver')}
              value={cluster.kubeconfigServer}
              placeholder="the first server’s address"
              onChange={(e) => setCluster({ kubeconfigServer: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={f('kfile')}>Where</label>
            <select
              id={f('kfile')}
              value={cluster.kubeconfigFile}
              onChange={(e) => setCluster({ kubeconfigFile: e.target.value as 'merge' | 'separate' })}
            >
              <option value="merge">Merge into ~/.kube/config</option>
              <option value="separate">A separate file</option>
            </select>
          </div>
        </div>
        <Issues issues={issuesAt(issues, 'kubeconfig')} />
        {nameIssue?.path === 'kubeconfig.contextName' && (
          <button type="button" onClick={() => setCluster({ contextName: nameIssue.suggestion })}>
            Use “{nameIssue.suggestion}”
          </button>
        )}
      </fieldset>
    </div>
  );
}
