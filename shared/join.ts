/**
 * joinCommand: the one line a person copies to add a machine by hand. The token is a template
 * placeholder, masked until revealed; an expiring token can be minted first with
 * `k3s token create --ttl`, whose output then fills the placeholder instead of the cluster token.
 */
import { envAssignments, shJoin, shQuote } from './shell';
import { endpointPort, httpsUrl, listenPort } from './spec/listener';
import { joinAddress } from './spec/model';
import type { ClusterSpec, NodeSpec, Role } from './spec/schema';
import type { HostFacts } from './facts';
import { renderTemplate, type RenderOptions } from './plan';
import type { HostCheck, Template } from './plan/types';

export interface JoinCommandOptions {
  role?: Role;
  /** --node-name for the new machine (two machines may not share a host name). */
  nodeName?: string;
  /**
   * How the name is given: `--node-name` (flag, the default), `K3S_NODE_NAME` (env: the install
   * script keeps it in the service's env file), or `--with-node-id` (K3s appends a random id to
   * the host name, or to nodeName when given: one line fits many cloned machines, but a
   * reinstall makes a new id, so a new node).
   */
  naming?: 'flag' | 'env' | 'with-node-id';
  /** Mint an expiring bootstrap token (agents only), e.g. "2h"; otherwise the cluster token. */
  ttl?: string;
  /** The server's facts, for the address other machines reach it on. */
  facts?: HostFacts | null;
}

export interface JoinCommand {
  /** The line, token as a placeholder. */
  command: Template;
  /** Run first on the server, as root, when an expiring token was asked for; stdout is the token. */
  mintToken: HostCheck | null;
  /** Where the token comes from, for people. */
  tokenSource: string;
  /** Air-gap: what to copy onto the machine before running the line. */
  before: string[];
}

// A Go duration as `k3s token create --ttl` takes it: 2h, 30m, 1h30m.
const TTL = /^(\d+h)?(\d+m)?(\d+s)?$/;

/** `NAME=value` prefix assignments for a person's shell: the name bare, the value quoted. */
function assignments(env: Record<string, string>): string {
  return envAssignments(env)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return `${pair.slice(0, eq)}=${shQuote(pair.slice(eq + 1))}`;
    })
    .join(' ');
}

export function joinCommand(
  spec: ClusterSpec,
  server: NodeSpec,
  options: JoinCommandOptions = {},
): JoinCommand {
  const role = options.role ?? 'agent';
  if (server.rootless)
    throw new Error(
      `${server.nodeName} runs K3s rootless: its networking is detached from the host, so no machine can join it (K3s does not support multi-node rootless clusters). Install a cluster as root to add machines.`,
    );
  if (options.ttl !== undefined && (!TTL.test(options.ttl) || options.ttl === '')) {
    throw new Error(`“${options.ttl}” is not a duration such as 2h or 30m.`);
  }
  if (options.ttl !== undefined && role === 'server') {
    throw new Error('Expiring tokens only let agents join; a server needs the cluster token.');
  }
  const url = spec.networking.endpoint
    ? httpsUrl(spec.networking.endpoint.address, endpointPort(spec))
    : httpsUrl(joinAddress(server, options.facts), listenPort(spec, server));
  const naming = options.naming ?? 'flag';
  const env: Record<string, string> = { K3S_URL: url };
  const args: string[] = [role];
  if (options.nodeName && naming === 'env') env.K3S_NODE_NAME = options.nodeName;
  else if (options.nodeName) args.push('--node-name', options.nodeName);
  if (naming === 'with-node-id') args.push('--with-node-id');
  const before: string[] = [];
  let prefix: string;
  let script: string;
  if (spec.install.source === 'online') {
    if (spec.k3s.version) env.INSTALL_K3S_VERSION = spec.k3s.version;
    else if (spec.k3s.channel) env.INSTALL_K3S_CHANNEL = spec.k3s.channel;
    if (spec.install.githubUrl) env.GITHUB_URL = spec.install.githubUrl;
    if (spec.install.channelUrl) env.INSTALL_K3S_CHANNEL_URL = spec.install.channelUrl;
    prefix = `curl -sfL ${shQuote(spec.install.scriptUrl)} | `;
    script = 'sh -s - ';
  } else {
    env.INSTALL_K3S_SKIP_DOWNLOAD = 'true';
    before.push(
      'copy install.sh to the machine',
      'copy the K3s binary for its architecture (k3s, k3s-arm64 or k3s-armhf) to /usr/local/bin/k3s, mode 0755',
      'copy k3s-airgap-images-<arch>.tar.* to /var/lib/rancher/k3s/agent/images/',
    );
    prefix = '';
    script = 'sh install.sh ';
  }
  const command: Template = [
    { text: `${prefix}${assignments(env)} K3S_TOKEN=` },
    { secret: 'token', quote: 'sh' },
    { text: ` ${script}${shJoin(args)}` },
  ];
  const mintToken: HostCheck | null = options.ttl
    ? {
        command: shJoin([
          '/usr/local/bin/k3s',
          'token',
          'create',
          '--ttl',
          options.ttl,
          '--description',
          `k3s-wizard join ${options.nodeName ?? ''}`.trim(),
        ]),
        sudo: true,
      }
    : null;
  return {
    command,
    mintToken,
    tokenSource: options.ttl
      ? `a bootstrap token valid for ${options.ttl} (sudo k3s token create --ttl ${options.ttl} on ${server.nodeName})`
      : `the cluster token (sudo cat /var/lib/rancher/k3s/server/token on ${server.nodeName})`,
    before,
  };
}

/** The line for display: token masked unless revealed. */
export function renderJoinCommand(join: JoinCommand, options: RenderOptions = {}): string {
  return renderTemplate(join.command, options);
}
