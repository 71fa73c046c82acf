import { Option } from 'commander';
import { createBackend } from '../../backend';
import { appVersion } from '../../backend/version';
import { createLocalBridge } from '../../local-bridge';
import { runProbe, type ProbeCliOptions } from '../../probe/cli-probe';
import { processTerminal } from '../../probe/terminal';
import { AppError } from '../../../shared/errors';
import type { RegisterCommand } from './context';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export const registerProbe: RegisterCommand = (program, { io, dataDir }) => {
  program
    .command('probe')
    .description('collect the facts of each host over SSH and run the pre-flight checks')
    .argument('<hosts...>', '[user@]host[:port], or a Host from ~/.ssh/config')
    .option('--json', 'print JSON instead of tables')
    .option('-i, --identity <file>', 'private key file to log in with')
    .option('-l, --user <user>', 'user to log in as (default: from ~/.ssh/config, else $USER)')
    .option('--password-stdin', 'read the SSH password from stdin (asked without echo on a terminal)')
    .option('--sudo-password-stdin', 'read the sudo password from stdin (the line after the SSH password)')
    .option('--accept-new', 'trust hosts seen for the first time without asking')
    .option(
      '--accept-changed-key <fingerprint>',
      're-trust a host whose key changed to this SHA256 fingerprint',
      collect,
    )
    .addOption(new Option('--concurrency <n>', 'hosts probed at once').default('8'))
    .option('--roles <list>', 'server/agent per host, comma-separated (default: first server, others agents)')
    .option('--connectivity', 'also test the ports the nodes need between them')
    .option('--facts-out <file>', 'write the facts as JSON keyed by host (for `plan --facts`)')
    .option('--ssh-config <file>', 'ssh config to read host aliases from (default ~/.ssh/config)')
    .action(async (hosts: string[], raw: Omit<ProbeCliOptions, 'concurrency'> & { concurrency: string }) => {
      const backend = createBackend({ version: appVersion(), dataDir: dataDir(), front: 'cli' });
      try {
        const summary = await runProbe(
          hosts,
          { ...raw, concurrency: Number(raw.concurrency) },
          {
            bridge: createLocalBridge(backend),
            terminal: processTerminal(),
            stdout: io.stdout,
            stderr: io.stderr,
            env: io.env,
          },
        );
        // Exit 1 through the program's error path, which prints the one-line summary.
        if (summary) throw new AppError('COMMAND_FAILED', summary);
      } finally {
        await backend.close();
      }
    });
};
