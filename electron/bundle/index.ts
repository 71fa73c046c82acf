/**
 * A support bundle: one .tar.gz per request under dataDir/clusters/<name>/bundles/, mode 0600,
 * with the spec, facts, checks, plan and run log, and from every machine what collectHost
 * reads. Every file goes through the app's one redaction (shared/redact.ts: YAML parsed by key
 * name, env files by variable, PEM blocks whole, every pattern) with every secret known to the
 * app and those read from the machines, so the archive can be sent to someone else.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runChecks } from '../../shared/checks';
import { buildPlan, planToText } from '../../shared/plan';
import { redactFile, redactValue } from '../../shared/redact';
import { formatIssue, listenPort, type ClusterSpec, type FactsByNode } from '../../shared/spec';
import type { HostRunner } from '../engine/host-runner';
import { collectHost, type HostSections } from './collect';
import { tarGz, type TarEntry } from './tar';

export interface BundleRequest {
  spec: ClusterSpec;
  facts: FactsByNode;
  runnerFor: (nodeName: string) => HostRunner;
  /** The run log to include, if any. */
  logPath?: string | null;
  dataDir: string;
  /** Secret values known to the app (passwords, tokens read during runs). */
  secrets: Iterable<string>;
  now?: Date;
  signal?: AbortSignal;
}

export function bundleDir(dataDir: string, cluster: string): string {
  return join(dataDir, 'clusters', cluster.replace(/[^A-Za-z0-9._-]/g, '-'), 'bundles');
}

export async function createBundle(request: BundleRequest): Promise<string> {
  const { spec, facts } = request;
  const now = request.now ?? new Date();
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const signal = request.signal ?? AbortSignal.timeout(180_000);
  const hosts = await Promise.all(
    spec.nodes.map(async (node): Promise<{ name: string; sections: HostSections | null; error?: string }> => {
      try {
        return { name: node.nodeName, sections: await collectHost(request.runnerFor(node.nodeName), signal) };
      } catch (error) {
        return {
          name: node.nodeName,
          sections: null,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }),
  );
  const secrets = [...request.secrets, ...hosts.flatMap((h) => h.sections?.secrets ?? [])];
  const root = `k3s-wizard-bundle-${spec.name.replace(/[^A-Za-z0-9._-]/g, '-')}-${stamp}`;
  const entries: TarEntry[] = [];
  const add = (path: string, text: string) =>
    entries.push({ path: `${root}/${path}`, content: redactFile(path, text, secrets), mtime: now });

  add('spec.yaml', stringify(redactValue(spec, secrets)));
  add('facts.json', `${JSON.stringify(redactValue(facts, secrets), null, 2)}\n`);
  const checks = runChecks({
    hosts: spec.nodes.map((n) => ({
      id: n.nodeName,
      role: n.role,
      facts: facts[n.nodeName] ?? null,
      ...(n.role === 'server' ? { apiPort: listenPort(spec, n) } : {}),
    })),
    apiPort: spec.networking.apiPort,
  });
  add('checks.json', `${JSON.stringify(checks, null, 2)}\n`);
  const plan = buildPlan(spec, facts);
  add(
    'plan.txt',
    plan.ok
      ? planToText(plan.plan)
      : `The plan cannot be made:\n${plan.issues.map((i) => formatIssue(i)).join('\n')}\n`,
  );
  if (request.logPath) {
    let log: string;
    try {
      log = readFileSync(request.logPath, 'utf8');
    } catch (error) {
      log = `(the run log ${request.logPath} could not be read: ${(error as Error).message})\n`;
    }
    add('run.log', log);
  }
  for (const host of hosts) {
    if (host.error !== undefined) add(`hosts/${host.name}/error.txt`, `${host.error}\n`);
    for (const [file, text] of host.sections?.files ?? []) add(`hosts/${host.name}/${file}`, text);
  }
  const dir = bundleDir(request.dataDir, spec.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${stamp}.tar.gz`);
  writeFileSync(path, tarGz(entries), { mode: 0o600 });
  return path;
}
