/** `k3s-wizard bundle`: a support bundle of a cluster's machines, every secret redacted. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RegisterCommand } from './context';
import { openCluster, readClusterFile } from './apply';
import { readFacts } from './plan';
import { runLogPath } from '../../engine/run-log';

interface BundleOptions {
  facts?: string;
  log?: string;
  acceptNewHostKeys?: boolean;
}

/** The newest run log of a cluster, if any. */
function newestLog(dataDir: string, cluster: string): string | null {
  const dir = join(runLogPath(dataDir, cluster, new Date(0)), '..');
  try {
    const logs = readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .sort();
    const last = logs.at(-1);
    return last ? join(dir, last) : null;
  } catch {
    return null;
  }
}

export const registerBundle: RegisterCommand = (program, { io, dataDir }) => {
  program
    .command('bundle')
    .description(
      'write a support bundle (.tar.gz): facts, checks, plan, run log, K3s journals, firewall, network and K3s config of every machine, secrets redacted',
    )
    .argument('<cluster.yaml>', 'the cluster file')
    .option('--facts <facts.json>', 'probed host facts, keyed by node name or address')
    .option('--log <run.log>', 'the run log to include (default: the newest run of this cluster)')
    .option('--accept-new-host-keys', 'trust the key of a machine never seen before (never a changed one)')
    .action(async (file: string, opts: BundleOptions) => {
      const { spec } = readClusterFile(file, io);
      const facts = opts.facts ? readFacts(opts.facts, spec) : {};
      const cluster = await openCluster({
        spec,
        io,
        dataDir: dataDir(),
        login: opts,
        lenient: true,
      });
      try {
        const path = await cluster.service.bundle({
          spec,
          facts,
          logPath: opts.log ?? newestLog(cluster.dataDir, spec.name),
        });
        io.stdout(`${path}\n`);
      } finally {
        await cluster.close();
      }
    });
};
