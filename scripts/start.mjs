// `npm start`: opens the desktop app; where Electron cannot be fetched or shown (no internet
// access at first run, no display), says so in one sentence and runs the browser front.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const cli = join(import.meta.dirname, '..', 'out', 'cli', 'index.js');
const extraArgs = process.argv.slice(2);

function electronBinary() {
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) {
    // Electron fetches its runtime at first start; keep its output unless it fails.
    const result = spawnSync(process.execPath, [join(dir, 'install.js')], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (result.status !== 0 || !existsSync(pathFile)) {
      return { reason: 'the Electron runtime could not be downloaded (is this machine offline?)' };
    }
  }
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { binary } : { reason: 'the Electron runtime is incomplete' };
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function browserFront(reason) {
  if (reason)
    console.log(
      `k3s-wizard cannot open its desktop window because ${reason}, so it runs in your web browser instead.\n`,
    );
  const child = spawn(process.execPath, [cli, 'serve', ...extraArgs], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
}

if (process.env.K3S_WIZARD_FRONT === 'browser') {
  browserFront();
} else if (!hasDisplay()) {
  browserFront('there is no graphical display here');
} else {
  const found = electronBinary();
  if (!found.binary) {
    browserFront(found.reason);
  } else {
    const started = Date.now();
    const child = spawn(found.binary, [join(import.meta.dirname, '..'), ...extraArgs], { stdio: 'inherit' });
    child.on('error', () => browserFront('the Electron runtime could not be started'));
    child.on('exit', (code) => {
      // A runtime that dies at once (missing system libraries) is not a desktop: fall back.
      if (code !== 0 && Date.now() - started < 5000)
        browserFront(`Electron stopped at start (exit code ${code})`);
      else process.exit(code ?? 0);
    });
  }
}
