import { createBackend } from '../../backend';
import { appVersion } from '../../backend/version';
import { createLocalBridge } from '../../local-bridge';
import type { RegisterCommand } from './context';

export const registerInfo: RegisterCommand = (program, { io, dataDir }) => {
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
};
