/**
 * A harness for engine unit tests: a plan from buildPlan (or by hand), fake hosts answering the
 * commands a healthy cluster answers, and every event and request recorded.
 */
import type { LimitFunction } from 'p-limit';
import { buildPlan, type Plan } from '../../shared/plan';
import { redactText } from '../../shared/redact';
import type { NodeInfo, RunEvent } from '../../shared/run';
import { makeSpec, node } from '../shared/spec';
import { FakeHostRunner, type FakeRule, type Recorded } from './fake-runner';
import { EngineRun } from '../../electron/engine/run';
import type { StepServices } from '../../electron/engine/step';
import type { Precheck } from '../../electron/engine/precheck';

/** The install script's command line (not the download of it). */
export const INSTALL = / sh \/var\/lib\/k3s-wizard\/install\.sh$/;

export const TOKEN = `K10${'ab'.repeat(32)}::server:0123456789abcdef0123456789abcdef`;
export const KUBECONFIG_TEXT = [
  'apiVersion: v1',
  'clusters:',
  '- cluster:',
  '    certificate-authority-data: Q0EtREFUQQ==',
  '    server: https://127.0.0.1:6443',
  '  name: default',
  'contexts:',
  '- context:',
  '    cluster: default',
  '    user: default',
  '  name: default',
  'current-context: default',
  'kind: Config',
  'users:',
  '- name: default',
  '  user:',
  '    client-certificate-data: Q0VSVA==',
  '    client-key-data: S0VZLVNFQ1JFVC1EQVRB',
].join('\n');

export function nodeListJson(names: string[]): string {
  return JSON.stringify({
    kind: 'List',
    items: names.map((name, i) => ({
      metadata: { name, labels: i === 0 ? { 'node-role.kubernetes.io/control-plane': 'true' } : {} },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: `10.0.0.${i + 1}` }],
        nodeInfo: { kubeletVersion: 'v1.33.5+k3s1', architecture: 'amd64' },
      },
    })),
  });
}

/** Answers of a healthy host where nothing is installed yet. */
export function healthyRules(names: string[]): FakeRule[] {
  return [
    { match: /config\.yaml.*k3s-wizard-check|k3s-wizard-check.*config\.yaml/, reply: { code: 1 } },
    { match: /^cat -- \/var\/lib\/rancher\/k3s\/server\/token$/, reply: { stdout: `${TOKEN}\n` } },
    { match: /^cat -- \/etc\/rancher\/k3s\/k3s\.yaml$/, reply: { stdout: `${KUBECONFIG_TEXT}\n` } },
    { match: /get nodes -o json/, reply: { stdout: nodeListJson(names) } },
    { match: /^test -e \/etc\/rancher\/node\/password$/, reply: { code: 0 } },
    {
      match: INSTALL,
      reply: { stdout: '[INFO]  Using v1.33.5+k3s1 as release\n[INFO]  systemd: Starting k3s\n' },
    },
  ];
}

export function threeNodePlan(): Plan {
  const spec = makeSpec([
    node('s1', '10.0.0.1', 'server'),
    node('a1', '10.0.0.2', 'agent'),
    node('a2', '10.0.0.3', 'agent'),
  ]);
  const result = buildPlan(spec);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.plan;
}

export interface Harness {
  run: EngineRun;
  events: RunEvent[];
  requests: Recorded[];
  runners: Map<string, FakeHostRunner>;
  saved: { kubeconfig: string; server: string }[];
}

export function harness(options: {
  plan: Plan;
  rules?: Record<string, FakeRule[]>;
  concurrency?: number;
  sharedLimit?: LimitFunction;
  dryRun?: boolean;
  services?: Partial<StepServices>;
  /** The facts said every K3s runs already (see RunOptions.likelyUnchanged). */
  likelyUnchanged?: boolean;
  /** "Already done?" answered by facts read just before the run (see RunOptions.answered). */
  answered?: ReadonlyMap<string, Precheck>;
  /** The first server's datastore is the run's own (see RunOptions.newDatastore). */
  newDatastore?: boolean;
}): Harness {
  const events: RunEvent[] = [];
  const requests: Recorded[] = [];
  const secrets = new Set<string>();
  const hosts = [...new Set(options.plan.steps.map((s) => s.host))];
  const runners = new Map<string, FakeHostRunner>();
  const saved: Harness['saved'] = [];
  for (const host of hosts) {
    runners.set(
      host,
      new FakeHostRunner(host, [...(options.rules?.[host] ?? []), ...healthyRules(hosts)], requests),
    );
  }
  const services: StepServices = {
    saveKubeconfig: ({ kubeconfig, server, contextName }) => {
      saved.push({ kubeconfig, server });
      return Promise.resolve({ path: `/home/me/.kube/${contextName}`, changed: true });
    },
    checkLocalFiles: (files) => Promise.resolve(files.map((f) => `ok ${f.localFile}`)),
    removeKubeconfig: ({ contextName }) =>
      Promise.resolve({ path: `/home/me/.kube/${contextName}`, changed: true }),
    checkFromHere: (): Promise<NodeInfo[]> =>
      Promise.resolve(
        hosts.map((name) => ({ name, ready: true, roles: [], version: '', arch: '', internalIp: '' })),
      ),
    redact: (text) => redactText(text, secrets),
    onSecret: (value) => secrets.add(value),
    // Every path the firewall step asks about answers (tests override it to block some).
    reachable: ({ host, paths }) =>
      Promise.resolve(paths.map((p) => ({ ...p, to: host, status: 'open' as const, detail: 'connected' }))),
    serviceTimeoutMs: 60_000,
    joinWatch: { intervalMs: 20, unreachableGraceMs: 60 },
    ...options.services,
  };
  const run = new EngineRun({
    plan: options.plan,
    runnerFor: (host) => {
      const runner = runners.get(host);
      if (!runner) throw new Error(`no runner for ${host}`);
      return runner;
    },
    services,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.sharedLimit ? { sharedLimit: options.sharedLimit } : {}),
    dryRun: options.dryRun ?? false,
    ...(options.likelyUnchanged ? { likelyUnchanged: true } : {}),
    ...(options.answered ? { answered: options.answered } : {}),
    ...(options.newDatastore ? { newDatastore: true } : {}),
    onEvent: (event) => events.push(event),
  });
  return { run, events, requests, runners, saved };
}
