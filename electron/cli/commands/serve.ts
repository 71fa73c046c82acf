import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option } from 'commander';
import { AppError } from '../../../shared/errors';
import { createBackend } from '../../backend';
import { appVersion } from '../../backend/version';
import { startBrowserFront } from '../../serve';
import type { RegisterCommand } from './context';

/** The built renderer, beside the built command line (out/cli → out/renderer). */
export function defaultRendererDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
}

export const registerServe: RegisterCommand = (program, { io, dataDir }) => {
  program
    .command('serve')
    .description('run the wizard in your web browser (listens on 127.0.0.1 only)')
    .addOption(new Option('-p, --port <port>', 'port to listen on (0 picks a free one)').default('0'))
    .option('--renderer <dir>', 'folder of the built renderer', defaultRendererDir())
    .addOption(
      new Option('--dev-origin <origin>', 'also accept this origin (the Vite dev server)').hideHelp(),
    )
    .action(async (opts: { port: string; renderer: string; devOrigin?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new AppError(
          'INVALID_INPUT',
          `--port must be a whole number from 0 to 65535, not "${opts.port}".`,
        );
      }
      const backend = createBackend({ version: appVersion(), dataDir: dataDir(), front: 'browser' });
      const front = await startBrowserFront({
        backend,
        rendererDir: opts.renderer,
        port,
        extraOrigins: opts.devOrigin ? [opts.devOrigin] : [],
      });
      io.stdout(`k3s-wizard is running. Open this address in your browser:\n\n  ${front.url}\n\n`);
      io.stdout(
        'The address holds a one-time key: it opens the wizard once, in one browser (a reload there keeps working); after that, neither the address nor a copy of it works. Press Ctrl-C to stop.\n',
      );
      await io.untilInterrupted();
      await front.close();
      await backend.close();
    });
};
