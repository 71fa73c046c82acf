import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { AppError } from '../../shared/errors';
import { createBackend } from '../backend';
import { defaultDataDir } from '../backend/paths';
import { appVersion } from '../backend/version';
import { createLocalBridge } from '../local-bridge';
import { startBrowserFront } from '../serve';
import { EXIT } from './exit-codes';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (Ctrl-C); used by long-running commands. */
  untilInterrupted: () => Promise<void>;
}

/** The built renderer, beside the built command line (out/cli → out/renderer). */
export function defaultRendererDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
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

  program
    .command('info')
    .description('print the version and where the app keeps its data')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const backend = createBackend({ version: appVersion(), dataDir: dataDir(), front: 'cli' });
      const info = await createLocalBridge(backend).invoke('app:info', {});
      io.stdout(
        opts.json
          ? `${JSON.stringify(info, null, 2)}\n`
          : `${info.name} ${info.version} (${info.platform})\ndata: ${info.dataDir}\n`,
      );
      await backend.close();
    });

  program
    .command('serve')
    .description('run the wizard in your web browser (listens on 127.0.0.1 only)')
    .addOption(new Option('-p, --port <port>', 'port to listen on (0 picks a free one)').default('0'))
    .option('--renderer <dir>', 'folder of the built renderer', defaultRendererDir())
    .action(async (opts: { port: string; renderer: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new AppError(
          'INVALID_INPUT',
          `--port must be a whole number from 0 to 65535, not "${opts.port}".`,
        );
      }
      const backend = createBackend({ version: appVersion(), dataDir: dataDir(), front: 'browser' });
      const front = await startBrowserFront({ backend, rendererDir: opts.renderer, port });
      io.stdout(`k3s-wizard is running. Open this address in your browser:\n\n  ${front.url}\n\n`);
      io.stdout('The address holds a secret key for this session: do not share it. Press Ctrl-C to stop.\n');
      await io.untilInterrupted();
      await front.close();
      await backend.close();
    });

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
      return error.code === 'INVALID_INPUT' || error.code === 'SPEC_INVALID' ? EXIT.USAGE : EXIT.FAILED;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.FAILED;
  }
}
