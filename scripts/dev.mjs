// `npm run dev`: the renderer with live reload (Vite) against a real back end. Opens in
// Electron when it can, else prints the browser address (as `npm start` does).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'vite';

const root = join(import.meta.dirname, '..');
const backendPort = process.env.K3S_WIZARD_DEV_BACKEND_PORT ?? '5174';
process.env.K3S_WIZARD_DEV_BACKEND_PORT = backendPort;

const build = spawn(process.execPath, [join(root, 'scripts', 'build-main.mjs')], { stdio: 'inherit' });
await new Promise((resolve, reject) =>
  build.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('build failed')))),
);

const vite = await createServer({ configFile: join(root, 'renderer', 'vite.config.ts') });
await vite.listen();
const devOrigin = 'http://localhost:5173';

// The back end for the dev page: the browser front's server, accepting the Vite origin.
const backend = spawn(
  process.execPath,
  [join(root, 'out', 'cli', 'index.js'), 'serve', '--port', backendPort, '--dev-origin', devOrigin],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
backend.stdout.on('data', (chunk) => {
  const text = chunk.toString();
  const match = /token=([\w-]+)/.exec(text);
  if (match) console.log(`\nk3s-wizard dev: open ${devOrigin}/?token=${match[1]}\n`);
});
const stop = async () => {
  backend.kill('SIGINT');
  await vite.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
