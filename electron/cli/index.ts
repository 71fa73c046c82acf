import { EXIT } from './exit-codes';
import { runCli } from './program';

let interrupted = false;
const untilInterrupted = (): Promise<void> =>
  new Promise((resolve) => {
    const stop = (): void => {
      interrupted = true;
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  untilInterrupted,
});
process.exitCode = interrupted && code === EXIT.OK ? EXIT.OK : code;
