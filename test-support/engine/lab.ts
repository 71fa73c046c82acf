// Helpers for the engine's lab tests: cluster files for lab hosts, `apply` in process, and a
// watcher that samples every process command line on the hosts while a run goes on.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Plan } from '../../shared/plan';
import type { RunEvent } from '../../shared/run';
import { loadSpec, type ClusterSpec, type FactsByNode } from '../../shared/spec';
import type { HostFacts } from '../../shared/facts';
import { probeHost } from '../../electron/probe/probe';
import { EventHub } from '../../electron/backend/events';
import { Logger } from '../../electron/backend/logger';
import { HostsService } from '../../electron/probe/hosts-service';
import type { SessionPool } from '../../electron/ssh/pool';
import { RunService, type StartedRun } from '../../electron/engine/service';
import { runCli } from '../../electron/cli/program';
import { exec, type LabHost } from '../../e2e/lab/index';
import { editYaml, mirrorInstall, scratchHome } from '../lab-setup';

export interface ClusterFile {
  dir: string;
  file: string;
  env: NodeJS.ProcessEnv;
  /** sudo passwords by address, for hosts whose sudo asks for one (kept in memory only). */
  sudoPasswords: Record<string, string>;
}

export function clusterFile(
  name: string,
  nodes: { host: LabHost; role: 'server' | 'agent' }[],
  extra: Record<string, unknown> = {},
): ClusterFile {
  const { dir, env } = scratchHome(name);
  const spec = {
    apiVersion: 'k3s-wizard/v1',
    kind: 'Cluster',
    name,
    ...mirrorInstall(),
    firewall: { policy: 'leave' },
    nodes: nodes.map(({ host, role }) => ({
      address: host.address,
      port: host.port,
      user: host.user,
      auth: { method: 'key', keyPath: host.keyPath },
      role,
      nodeName: host.name,
      sudo: { password: host.spec.sudo === 'password' },
    })),
    ...extra,
  };
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, stringify(spec));
  const sudoPasswords = Object.fromEntries(
    nodes
      .filter(({ host }) => host.spec.sudo === 'password')
      .map(({ host }) => [host.address, host.password]),
  );
  if (Object.keys(sudoPasswords).length) env.K3S_WIZARD_SUDO_PASSWORD = Object.values(sudoPasswords)[0];
  return { dir, file, env, sudoPasswords };
}

/** The hosts as the nodes of a cluster file: the first `servers` of them servers, the rest agents. */
export function asNodes(hosts: LabHost[], servers = 1): { host: LabHost; role: 'server' | 'agent' }[] {
  return hosts.map((host, i) => ({ host, role: i < servers ? 'server' : 'agent' }));
}

/** Edits the cluster file as a user does in an editor (the YAML read, changed, written back). */
export function editCluster(cluster: ClusterFile, change: (spec: ClusterFileText) => void): void {
  editYaml(cluster.file, change);
}

/** The cluster file as YAML data: the settings a test edits, the rest as it is. */
export type ClusterFileText = Record<string, unknown> & {
  networking?: Record<string, unknown>;
  nodes: Record<string, unknown>[];
};

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr, for a failure's message. */
  all: string;
}

/** The command line in process, as a user types `k3s-wizard ARGS` with `env`. */
export async function k3sWizard(env: NodeJS.ProcessEnv, args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    untilInterrupted: () => new Promise(() => undefined),
  });
  return { code, stdout: out.join(''), stderr: err.join(''), all: `${out.join('')}\n${err.join('')}` };
}

/** `k3s-wizard apply FILE --yes` with new host keys trusted and plain output. */
export function apply(cluster: ClusterFile, args: string[] = []): Promise<CliRun> {
  return k3sWizard(cluster.env, [
    'apply',
    cluster.file,
    '--yes',
    '--accept-new-host-keys',
    '--plain',
    ...args,
  ]);
}

/** Samples `ps` on the hosts until stopped; returns every command line seen. */
export function sampleCommandLines(names: string[], everyMs = 400): { stop: () => Promise<string[]> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        names.map(async (n) => {
          const r = await exec(n, ['ps', '-eo', 'args'], { timeoutMs: 10_000 });
          for (const line of r.stdout.split('\n')) if (line.trim()) seen.add(`${n}: ${line}`);
        }),
      );
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...seen];
    },
  };
}

export async function readRemote(name: string, path: string): Promise<string> {
  return (await exec(name, ['cat', path])).stdout.trim();
}

export interface LabRun {
  service: RunService;
  started: StartedRun;
  events: RunEvent[];
  logger: Logger;
  pool: SessionPool;
}

/**
 * A session pool logged in to every host of the cluster file (new host keys trusted), through
 * the back end's hosts service, as the app and the command line log in.
 */
export async function labPool(
  cluster: ClusterFile,
  options: { probe?: boolean } = {},
): Promise<{
  spec: ClusterSpec;
  pool: SessionPool;
  dataDir: string;
  hosts: HostsService;
  /** With `probe`: each host's facts, read as soon as its login was done (as `apply` does). */
  probed: Map<string, Promise<HostFacts>>;
}> {
  const loaded = loadSpec(readFileSync(cluster.file, 'utf8'));
  if (!loaded.spec) throw new Error(JSON.stringify(loaded.issues));
  const spec = loaded.spec;
  const dataDir = cluster.env.K3S_WIZARD_DATA_DIR ?? join(cluster.dir, 'data');
  const hosts = new HostsService({ dataDir, logger: new Logger(new EventHub()), userKnownHostsFiles: [] });
  for (const node of spec.nodes) {
    if (node.auth.method !== 'key') continue;
    const sudoPassword = cluster.sudoPasswords[node.address];
    hosts.setCredentials(node.address, node.port, {
      user: node.user,
      identityFile: node.auth.keyPath,
      ...(sudoPassword ? { sudoPassword } : {}),
    });
  }
  const probed = await hosts.connectAll({
    acceptNew: true,
    probe: Boolean(options.probe),
    targets: spec.nodes.map((n) => ({
      name: n.nodeName,
      target: { host: n.address, port: n.port, user: n.user },
    })),
  });
  return { spec, pool: hosts.pool, dataDir, hosts, probed };
}

/** A run through the RunService (what `apply` and the app use), of the plan buildPlan makes. */
export async function labRun(
  cluster: ClusterFile,
  options: {
    concurrency?: number;
    edit?: (plan: Plan) => Plan;
    joinGraceMs?: number;
    /** The product's own join watch, as `apply` has it (the bench), not the tests' quicker one. */
    productJoinWatch?: boolean;
    onEvent?: (e: RunEvent) => void;
    /** Probed facts: the firewall and Pi steps are planned only for probed hosts. */
    facts?: FactsByNode;
    /** Read every host's facts over its session first, as `apply` does (instead of `facts`). */
    probe?: boolean;
  } = {},
): Promise<LabRun> {
  const factsReadAt = Date.now();
  const { spec, pool, dataDir, probed } = await labPool(cluster, { probe: Boolean(options.probe) });
  const facts: FactsByNode = options.probe
    ? Object.fromEntries(
        await Promise.all(
          spec.nodes.map(async (n) => {
            const read = probed.get(n.nodeName);
            if (!read) throw new Error(`${n.nodeName} was not probed`);
            return [n.nodeName, await read] as const;
          }),
        ),
      )
    : (options.facts ?? {});
  const logger = new Logger(new EventHub());
  const service = new RunService({
    dataDir,
    logger,
    pool: () => pool,
    env: cluster.env,
    ...(options.productJoinWatch
      ? {}
      : { joinWatch: { intervalMs: 2_000, unreachableGraceMs: options.joinGraceMs ?? 20_000 } }),
  });
  const events: RunEvent[] = [];
  const plan = service.planFor(spec, facts);
  const started = service.start({
    spec,
    facts,
    // Read just now, as `apply` reads them: they may answer "already done?".
    ...(options.probe ? { factsReadAt } : {}),
    plan: options.edit ? options.edit(plan) : plan,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
  });
  return { service, started, events, logger, pool };
}

/** Every host of the cluster file probed (as the wizard's Hosts step does), by node name. */
export async function labFacts(cluster: ClusterFile): Promise<Record<string, HostFacts>> {
  const { spec, pool } = await labPool(cluster);
  try {
    const entries = await Promise.all(
      spec.nodes.map(async (n) => {
        const sudoPassword = cluster.sudoPasswords[n.address];
        const facts = await probeHost({
          pool,
          target: { host: n.address, port: n.port, user: n.user },
          ...(sudoPassword ? { sudoPassword } : {}),
        });
        return [n.nodeName, facts] as const;
      }),
    );
    return Object.fromEntries(entries);
  } finally {
    pool.closeAll();
  }
}
