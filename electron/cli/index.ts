import { EXIT } from './exit-codes';
import { interruptions } from './interrupt';
import { runCli } from './program';

// Output cut short by a pipe (`k3s-wizard --help | head`) is not an error: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
    throw error;
  });
}

const { interrupted, untilInterrupted } = interruptions(process);

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  untilInterrupted,
});
process.exitCode = interrupted() && code === EXIT.OK ? EXIT.OK : code;
