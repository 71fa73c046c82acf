/** `k3s-wizard uninstall`: K3s off every machine of a cluster file, agents first, then servers. */
import { AppError } from '../../../shared/errors';
import { buildUninstallPlan } from '../../../shared/plan';
import { parseConcurrency } from '../options';
import type { RegisterCommand } from './context';
import { isInteractive, readClusterFile, runFromCli } from './apply';

interface UninstallOptions {
  yes?: boolean;
  concurrency: string;
  acceptNewHostKeys?: boolean;
  plain?: boolean;
}

export const registerUninstall: RegisterCommand = (program, { io, dataDir }) => {
  program
    .command('uninstall')
    .description(
      'remove K3s from every machine of a cluster file (agents, then servers), with the firewall rules and kubeconfig entry k3s-wizard added',
    )
    .argument('<cluster.yaml>', 'the cluster file')
    .option('-y, --yes', 'remove without asking first')
    .option('--concurrency <n>', 'how many machines are worked on at once', '4')
    .option('--accept-new-host-keys', 'trust the key of a machine never seen before (never a changed one)')
    .option('--plain', 'print plain lines even on a terminal')
    .action(async (file: string, opts: UninstallOptions) => {
      const concurrency = parseConcurrency(opts.concurrency);
      const { spec } = readClusterFile(file, io);
      if (!opts.yes) {
        throw new AppError(
          'INVALID_INPUT',
          isInteractive()
            ? `This removes K3s and every workload from ${spec.nodes.map((n) => n.nodeName).join(', ')}: add --yes to go ahead.`
            : 'Add --yes to remove K3s without being asked.',
        );
      }
      // Made once here: its hosts head the progress display, and it is what runs.
      await runFromCli({
        io,
        dataDir: dataDir(),
        plan: buildUninstallPlan(spec),
        plain: Boolean(opts.plain),
        login: opts,
        request: { spec, concurrency },
      });
    });
};
