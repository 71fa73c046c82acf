import { Command, CommanderError, Option } from 'commander';
import { AppError } from '../../shared/errors';
import { redactText } from '../../shared/redact';
import { defaultDataDir } from '../backend/paths';
import { appVersion } from '../backend/version';
import { COMMANDS } from './commands';
import type { CliIo, CommandContext } from './commands/context';
import { EXIT } from './exit-codes';

export type { CliIo } from './commands/context';

/** Where the command line takes login secrets from (never the command line itself). */
const CLI_SECRETS = ['K3S_WIZARD_SSH_PASSWORD', 'K3S_WIZARD_SUDO_PASSWORD', 'K3S_WIZARD_KEY_PASSPHRASE'];

const EXIT_HELP = `
Exit codes:
  0    success
  1    the operation failed (details on stderr)
  2    usage error (unknown option, missing argument, invalid input)
  130  interrupted`;

export function buildProgram(io: CliIo): Command {
  const program = new Command('k3s-wizard')
    .description('Turn a few Linux machines into a working K3s cluster.')
    .version(appVersion(), '-V, --version')
    .addOption(
      new Option('--data-dir <dir>', 'where known hosts, saved clusters and logs live').env(
        'K3S_WIZARD_DATA_DIR',
      ),
    )
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const dataDir = (): string => program.opts<{ dataDir?: string }>().dataDir ?? defaultDataDir(io.env);

  const ctx: CommandContext = { io, dataDir };
  for (const register of COMMANDS) register(program, ctx);

  return program;
}

/** Runs the command line and returns the exit code; never calls process.exit itself. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      if (error.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    // The secrets the command line reads from its environment, and every pattern, never printed.
    const secrets = CLI_SECRETS.map((name) => io.env[name] ?? '');
    if (error instanceof AppError) {
      io.stderr(`error: ${redactText(error.message, secrets)}\n`);
      if (error.code === 'CANCELLED') return EXIT.INTERRUPTED;
      return error.code === 'INVALID_INPUT' || error.code === 'SPEC_INVALID' ? EXIT.USAGE : EXIT.FAILED;
    }
    io.stderr(`error: ${redactText(error instanceof Error ? error.message : String(error), secrets)}\n`);
    return EXIT.FAILED;
  }
}
