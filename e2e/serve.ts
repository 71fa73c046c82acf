/**
 * `k3s-wizard serve` (the browser front) as a user starts it, with its own empty data folder and
 * kubeconfig: for the end-to-end tests and the benchmarks that drive a browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

export interface RunningApp {
  url: string;
  dataDir: string;
  process: ChildProcess;
}

export function startServe(env: NodeJS.ProcessEnv = {}): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k3sw-e2e-'));
  // No ssh-agent unless a test brings one: the browser-only tests add made-up addresses, and
  // a login attempt must fail before any packet leaves for them (only lab hosts are dialled).
  const base = { ...process.env };
  delete base.SSH_AUTH_SOCK;
  // Its own kubeconfig too, unless the test brings one: an install merges its cluster there, and
  // this machine's own ~/.kube/config must neither change nor decide what a later run sees (a
  // context left by an earlier run made the cluster name taken).
  base.KUBECONFIG = join(dataDir, 'kube', 'config');
  const child = spawn(process.execPath, [join(root, 'out', 'cli', 'index.js'), 'serve', '--port', '0'], {
    env: { ...base, ...env, K3S_WIZARD_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not print its address: ${out}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[0], dataDir, process: child });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}
