/**
 * Talking to the cluster through a server: `k3s kubectl` run there as root (its kubeconfig is
 * /etc/rancher/k3s/k3s.yaml), the node list read and checked, a channel resolved the way the
 * install script resolves it (from that server, which is where downloads happen).
 */
import { AppError } from '../../shared/errors';
import { parseClusterNodes, parseK3sVersion, type ClusterNode } from '../../shared/day-two';
import { shJoin } from '../../shared/shell';
import type { ClusterSpec } from '../../shared/spec';
import type { ExecOutcome, HostRunner } from '../engine/host-runner';

export const KUBECTL = ['/usr/local/bin/k3s', 'kubectl'];

export function kubectl(
  runner: HostRunner,
  args: string[],
  options: {
    signal: AbortSignal;
    timeoutMs?: number;
    what: string;
    onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  },
): Promise<ExecOutcome> {
  return runner.exec({
    command: shJoin([...KUBECTL, ...args]),
    sudo: true,
    timeoutMs: options.timeoutMs ?? 60_000,
    signal: options.signal,
    what: options.what,
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
}

const lastLine = (r: ExecOutcome) => (r.stderr.trim() || r.stdout.trim()).split('\n').pop() ?? '';

/** The nodes as the cluster lists them, read on `runner` (a server). */
export async function readCluster(runner: HostRunner, signal: AbortSignal): Promise<ClusterNode[]> {
  const r = await kubectl(runner, ['get', 'nodes', '-o', 'json'], { signal, what: 'list the nodes' });
  if (r.code !== 0)
    throw new AppError(
      'API_UNREACHABLE',
      `${runner.host}: kubectl get nodes failed (exit ${r.code ?? '?'}): ${lastLine(r)}. Is K3s running there?`,
      { host: runner.host },
    );
  try {
    return parseClusterNodes(r.stdout);
  } catch (error) {
    throw new AppError('API_UNREACHABLE', `${runner.host}: ${(error as Error).message}`, {
      host: runner.host,
    });
  }
}

// The install script's own way: follow the channel URL's redirect, keep its last path element.
const RESOLVE =
  'if command -v curl >/dev/null 2>&1; then curl -w "%{url_effective}" -L -s -S "$1/$2" -o /dev/null; else wget -SqO /dev/null "$1/$2" 2>&1 | grep -i Location | tail -n 1; fi';

export const DEFAULT_CHANNEL_URL = 'https://update.k3s.io/v1-release/channels';

/** The release a channel points at now, asked from `runner`. */
export async function resolveChannel(
  runner: HostRunner,
  spec: ClusterSpec,
  channel: string,
  signal: AbortSignal,
): Promise<string> {
  if (!/^[a-z0-9.-]{1,40}$/.test(channel))
    throw new AppError('INVALID_INPUT', `"${channel}" is not a channel name (stable, latest, v1.33, …).`);
  const url = (
    (spec.install.source === 'online' ? spec.install.channelUrl : undefined) ?? DEFAULT_CHANNEL_URL
  ).replace(/\/+$/, '');
  const r = await runner.exec({
    command: shJoin(['sh', '-c', RESOLVE, 'k3s-wizard-channel', url, channel]),
    sudo: false,
    timeoutMs: 60_000,
    signal,
    what: `find the release of channel ${channel}`,
  });
  const version = r.stdout.trim().replace(/\s+$/, '').split('/').pop() ?? '';
  if (r.code !== 0 || !parseK3sVersion(version))
    throw new AppError(
      'UNKNOWN_CHANNEL',
      `${runner.host} could not find the release of channel ${channel} at ${url} (${r.code === 0 ? `it answered "${version.slice(0, 80)}"` : lastLine(r) || `exit ${r.code ?? '?'}`}). Channels: stable, latest, or a minor version such as v1.33.`,
    );
  return version;
}
