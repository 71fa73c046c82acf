/**
 * A local rehearsal in Docker: a one-node K3s in a `rancher/k3s` container on the user's own
 * computer, for someone with Docker and no spare machines. Pure: the commands (argument lists,
 * never a shell line) and the names; electron/rehearsal runs them.
 */
import { K3S_RELEASE } from './spec/validate';
import { nodeNameProblem } from './validate';

export const REHEARSAL_IMAGE = 'rancher/k3s';
/** A release that is known to exist as an image; the default when none is chosen. */
export const REHEARSAL_DEFAULT_VERSION = 'v1.33.5+k3s1';
/** Where K3s writes its kubeconfig inside the container. */
export const REHEARSAL_KUBECONFIG = '/etc/rancher/k3s/k3s.yaml';
/** The label that marks a container as this app's rehearsal (and names its cluster). */
export const REHEARSAL_LABEL = 'io.k3s-wizard.rehearsal';

export interface RehearsalOptions {
  /** Cluster, container and host name (a Kubernetes node name). */
  name: string;
  /** An exact K3s release, e.g. v1.33.5+k3s1. */
  version: string;
  /** The port on this computer the API is published on (loopback only). */
  port: number;
}

/** Image tags use `-` where K3s releases have `+` (v1.24.10+k3s1 → v1.24.10-k3s1). */
export function rehearsalImage(version: string): string {
  return `${REHEARSAL_IMAGE}:${version.replace('+', '-')}`;
}

/** Every problem with the options, in words a person can act on; empty when they are fine. */
export function rehearsalProblems(options: RehearsalOptions): string[] {
  const problems: string[] = [];
  const nameProblem = nodeNameProblem(options.name);
  if (nameProblem || options.name.includes('.'))
    problems.push(`“${options.name}” is not a valid name: use lower-case letters, digits and “-”.`);
  if (!K3S_RELEASE.test(options.version))
    problems.push(`“${options.version}” is not a K3s release; write it like ${REHEARSAL_DEFAULT_VERSION}.`);
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)
    problems.push(`The port must be a whole number from 1 to 65535 (got ${String(options.port)}).`);
  return problems;
}

/**
 * `docker run` for the rehearsal: privileged (K3s runs containerd and sets up networking inside),
 * a stable name and hostname (so the node keeps its name across restarts), the API published on
 * this computer's loopback address only (127.0.0.1 is in K3s's certificate by default).
 */
export function rehearsalRunArgs(options: RehearsalOptions): string[] {
  return [
    'run',
    '--detach',
    '--privileged',
    '--name',
    options.name,
    '--hostname',
    options.name,
    '--label',
    `${REHEARSAL_LABEL}=${options.name}`,
    '--publish',
    `127.0.0.1:${options.port}:6443`,
    '--restart',
    'unless-stopped',
    rehearsalImage(options.version),
    'server',
  ];
}

/** The API address of the rehearsal from this computer. */
export function rehearsalServer(options: Pick<RehearsalOptions, 'port'>): string {
  return `https://127.0.0.1:${options.port}`;
}

/** Every command the rehearsal runs, for the Review step and `--dry-run`. */
export function rehearsalCommands(options: RehearsalOptions): string[][] {
  return [
    ['docker', 'version', '--format', '{{.Server.Version}}'],
    ['docker', 'container', 'inspect', '--format', '{{.State.Running}} {{.Config.Image}}', options.name],
    ['docker', ...rehearsalRunArgs(options)],
    ['docker', 'cp', `${options.name}:${REHEARSAL_KUBECONFIG}`, '<a private temporary file>'],
    ['docker', 'exec', options.name, 'kubectl', 'get', 'nodes', '-o', 'json'],
  ];
}
