/**
 * `k3s-wizard rehearse`: a one-node K3s in Docker on this computer, merged into the kubeconfig
 * like any other cluster (see shared/rehearsal.ts); `--remove` takes it back.
 */
import { homedir } from 'node:os';
import { AppError } from '../../../shared/errors';
import {
  REHEARSAL_DEFAULT_VERSION,
  rehearsalCommands,
  rehearsalProblems,
  type RehearsalOptions,
} from '../../../shared/rehearsal';
import { dockerCommand, removeRehearsal, startRehearsal } from '../../rehearsal/docker';
import type { RegisterCommand } from './context';

interface RehearseFlags {
  name: string;
  k3sVersion: string;
  port: string;
  remove?: boolean;
  dryRun?: boolean;
  json?: boolean;
  timeout: string;
}

export const registerRehearse: RegisterCommand = (program, { io }) => {
  program
    .command('rehearse')
    .description(
      'a one-node K3s cluster in Docker on this computer (rancher/k3s), its kubeconfig merged under its name: a rehearsal without spare machines',
    )
    .option('--name <name>', 'cluster, container and node name', 'rehearsal')
    .option(
      '--k3s-version <release>',
      'the K3s release (the image tag is the release with "-" for "+")',
      REHEARSAL_DEFAULT_VERSION,
    )
    .option('--port <port>', 'the port on this computer the API is published on (127.0.0.1 only)', '6443')
    .option('--timeout <seconds>', 'how long K3s may take to be Ready', '180')
    .option('--remove', 'remove the rehearsal container and its kubeconfig entry')
    .option('--dry-run', 'print the docker commands and change nothing')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nNeeds Docker on this computer. The container runs privileged (K3s runs its own containerd inside).',
    )
    .action(async (flags: RehearseFlags) => {
      const options: RehearsalOptions = {
        name: flags.name,
        version: flags.k3sVersion,
        port: Number(flags.port),
      };
      const timeout = Number(flags.timeout);
      if (!Number.isInteger(timeout) || timeout < 1 || timeout > 3600)
        throw new AppError(
          'INVALID_INPUT',
          `--timeout must be a whole number of seconds from 1 to 3600, not "${flags.timeout}".`,
        );
      const problems = rehearsalProblems(options);
      if (problems.length > 0) throw new AppError('INVALID_INPUT', problems.join(' '));
      if (flags.dryRun) {
        io.stdout(
          `${rehearsalCommands(options)
            .map((argv) => argv.join(' '))
            .join('\n')}\n`,
        );
        return;
      }
      const docker = dockerCommand(io.env);
      const place = { env: io.env, home: io.env.HOME ?? homedir() };
      if (flags.remove) {
        const result = await removeRehearsal({ name: options.name, docker, place });
        io.stdout(
          flags.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `${result.removed ? `Removed the container “${options.name}”.` : `No container “${options.name}” was there.`} ${
                result.kubeconfig.changed
                  ? `Its context was taken out of ${result.kubeconfig.path}.`
                  : `${result.kubeconfig.path} had no context “${options.name}”.`
              }\n`,
        );
        return;
      }
      const result = await startRehearsal({
        options,
        docker,
        place,
        timeoutMs: timeout * 1000,
        onProgress: flags.json ? undefined : (message) => io.stderr(`${message}\n`),
      });
      if (flags.json) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const ready = result.nodes.filter((n) => n.ready);
      io.stdout(
        [
          `Rehearsal “${result.name}” is ready: ${ready.map((n) => `${n.name} (${n.version})`).join(', ')} Ready, API at ${result.server}.`,
          result.kubeconfig.changed
            ? `Kubeconfig merged into ${result.kubeconfig.path} as context “${result.name}”${result.kubeconfig.backup ? ` (backup: ${result.kubeconfig.backup})` : ''}.`
            : `The kubeconfig ${result.kubeconfig.path} already had context “${result.name}” as it is.`,
          `Try: kubectl --context ${result.name} get nodes`,
          `Remove it with: k3s-wizard rehearse --remove --name ${result.name}`,
          '',
        ].join('\n'),
      );
    });
};
