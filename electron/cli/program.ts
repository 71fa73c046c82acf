import { Command, CommanderError, Option } from 'commander';
import { AppError } from '../../shared/errors';
import { defaultDataDir } from '../backend/paths';
import { appVersion } from '../backend/version';
import { COMMANDS } from './commands';
import type { CommandContext } from './commands/context';
import { EXIT } from './exit-codes';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C); used by long-running commands. */
  untilInterrupted: () => Promise<void>;
}

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
    if (error instanceof AppError) {
      io.stderr(`error: ${error.message}\n`);
      if (error.code === 'CANCELLED') return EXIT.INTERRUPTED;
      return error.code === 'INVALID_INPUT' || error.code === 'SPEC_INVALID' ? EXIT.USAGE : EXIT.FAILED;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.FAILED;
  }
}
