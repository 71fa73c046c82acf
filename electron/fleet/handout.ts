/**
 * Access for the students of one cluster: per student a namespace, a service account and a Role
 * (with its RoleBinding) that reaches nothing outside that namespace, applied with the server's
 * own `k3s kubectl`; a kubeconfig per student holding a bound service-account token that expires
 * after the lesson (`kubectl create token --duration`); and a join command with an expiring
 * bootstrap token (`k3s token create --ttl`). Tokens go to the logger's redaction as soon as they
 * are read, and only into files written 0600.
 */
import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import { clusterName, nodeNameFor, type FleetCluster } from '../../shared/fleet/assign';
import { handoutNamespaces, type HandoutPer } from '../../shared/fleet/handout';
import type { Preset } from '../../shared/fleet/preset';
import { joinCommand, renderJoinCommand } from '../../shared/join';
import { K3S_BIN } from '../../shared/plan/install';
import { shJoin } from '../../shared/shell';
import { apiUrl, firstServer, kubeconfigAddress, type ClusterSpec } from '../../shared/spec';
import type { HostFacts } from '../../shared/facts';
import type { ExecOutcome } from '../engine/host-runner';
import { writePrivate } from '../kubeconfig/file';
import { kubeconfigText } from '../kubeconfig/merge';
import { runnerFor, type FleetContext } from './fleet';

const SERVER_CA = '/var/lib/rancher/k3s/server/tls/server-ca.crt';
const SA = 'student';

/** Namespace, service account, Role and RoleBinding of each student: one List for `kubectl apply`. */
export function studentManifest(namespaces: string[]): unknown {
  const labels = { 'app.kubernetes.io/managed-by': 'k3s-wizard', 'k3s-wizard.io/classroom': 'student' };
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: namespaces.flatMap((ns) => [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: ns, labels } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: SA, namespace: ns, labels },
        // Everything inside the namespace; a Role cannot reach nodes or other namespaces.
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: SA, namespace: ns, labels },
        subjects: [{ kind: 'ServiceAccount', name: SA, namespace: ns }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SA },
      },
    ]),
  };
}

export interface ClusterHandout {
  cluster: string;
  kubeconfigs: { namespace: string; path: string }[];
  joinFile: string;
  /** The node name the join command gives the next machine. */
  joinNode: string;
  expiresIn: string;
}

function lastLine(r: ExecOutcome): string {
  return r.stdout.trim().split('\n').pop()?.trim() ?? '';
}

export async function handOut(
  ctx: FleetContext,
  options: {
    spec: ClusterSpec;
    cluster: FleetCluster;
    preset: Preset;
    dir: string;
    facts?: HostFacts | null;
    signal?: AbortSignal;
    /** A kubeconfig per student (the preset's count; the default) or one the group shares. */
    per?: HandoutPer;
    /** The tokens' lifetime; the preset's when absent. */
    ttl?: string;
  },
): Promise<ClusterHandout> {
  const { spec, preset } = options;
  const server = firstServer(spec);
  if (!server) throw new AppError('INVALID_INPUT', `${spec.name} has no server.`);
  const runner = runnerFor(ctx.pool, server);
  const signal = options.signal ?? AbortSignal.timeout(5 * 60_000);
  const run = async (command: string, what: string, stdin?: string): Promise<string> => {
    const r = await runner.exec({
      command,
      sudo: true,
      timeoutMs: 120_000,
      signal,
      what,
      ...(stdin ? { stdin } : {}),
    });
    if (r.code !== 0)
      throw new AppError(
        'COMMAND_FAILED',
        `${server.nodeName}: could not ${what} (exit ${r.code ?? '?'}): ${ctx.logger.redact(r.stderr.trim().split('\n').pop() ?? '')}`,
        { host: server.nodeName },
      );
    return lastLine(r);
  };
  const namespaces = handoutNamespaces(preset, options.cluster.group, options.per ?? 'student');
  const ttl = options.ttl ?? preset.handout.ttl;
  const out = join(options.dir, spec.name);
  const address = kubeconfigAddress(spec) ?? server.address;
  const kubeconfigs: ClusterHandout['kubeconfigs'] = [];
  if (namespaces.length) {
    await run(
      shJoin([K3S_BIN, 'kubectl', 'apply', '-f', '-']),
      `create the namespaces and roles of ${namespaces.length} students`,
      JSON.stringify(studentManifest(namespaces)),
    );
    const ca = await runner.exec({
      command: shJoin(['cat', '--', SERVER_CA]),
      sudo: true,
      timeoutMs: 60_000,
      signal,
      what: 'read the cluster CA',
    });
    if (ca.code !== 0 || !ca.stdout.includes('BEGIN CERTIFICATE'))
      throw new AppError('COMMAND_FAILED', `${server.nodeName}: could not read ${SERVER_CA}.`, {
        host: server.nodeName,
      });
    for (const ns of namespaces) {
      const token = await run(
        shJoin([K3S_BIN, 'kubectl', 'create', 'token', SA, '-n', ns, '--duration', ttl]),
        `create a token for ${ns} valid for ${ttl}`,
      );
      ctx.logger.addSecret(token);
      const name = `${spec.name}-${ns}`;
      const path = join(out, `${ns}.kubeconfig`);
      writePrivate(
        path,
        kubeconfigText({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: spec.name,
              cluster: {
                server: apiUrl(spec, address),
                'certificate-authority-data': Buffer.from(ca.stdout).toString('base64'),
              },
            },
          ],
          users: [{ name, user: { token } }],
          contexts: [{ name, context: { cluster: spec.name, user: name, namespace: ns } }],
          'current-context': name,
        }),
      );
      kubeconfigs.push({ namespace: ns, path });
    }
  }
  // One more machine for this group, named by the scheme (a cloned Pi would bring "raspberrypi").
  const next = nodeNameFor(preset.naming, options.cluster.group, options.cluster.machines.length + 1);
  const join_ = joinCommand(spec, server, { ttl, nodeName: next, facts: options.facts ?? null });
  const joinToken = join_.mintToken
    ? await run(join_.mintToken.command, `create a join token valid for ${ttl}`)
    : '';
  ctx.logger.addSecret(joinToken);
  const joinFile = join(out, 'join-agent.txt');
  writePrivate(
    joinFile,
    [
      `# Adds one more machine to ${clusterName(preset, options.cluster.group)} as ${next}; the token expires in ${ttl}.`,
      `# For a further machine change --node-name. Run on the new machine:`,
      ...join_.before.map((b) => `# first: ${b}`),
      renderJoinCommand(join_, { reveal: true, secrets: { token: joinToken } }),
      '',
    ].join('\n'),
  );
  return { cluster: spec.name, kubeconfigs, joinFile, joinNode: next, expiresIn: ttl };
}
