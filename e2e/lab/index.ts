// TypeScript API of the lab for vitest and Playwright tests: a thin wrapper that
// runs e2e/lab/lab with execFile (never through a shell). Root only.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type LabArch = 'amd64' | 'arm64' | 'armhf';
export interface LabHostSpec {
  name: string;
  arch?: LabArch;
  pi?: boolean;
  firewall?: 'firewalld' | 'ufw' | 'none';
  sudo?: 'nopasswd' | 'password';
  auth?: 'key' | 'password' | 'both';
  delayMs?: number;
  hostname?: string;
  machineIdFrom?: string;
  /** `hybrid`: cgroup v1 controllers with the unified tree for systemd only (not pure v2). */
  cgroup?: 'v2' | 'hybrid';
}
export interface LabHost {
  name: string;
  address: string;
  port: number;
  user: string;
  password: string;
  keyPath: string;
  passphraseKeyPath: string;
  passphrase: string;
  arch: LabArch;
  hostname: string;
  spec: LabHostSpec;
}
export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

const LAB_SCRIPT = fileURLToPath(new URL('./lab', import.meta.url));
const DEFAULT_VERSIONS = ['v1.33.5+k3s1', 'v1.32.9+k3s1', 'v1.34.1+k3s1'];

export function labDir(): string {
  return process.env.K3S_LAB_DIR || '/var/tmp/k3s-wizard-lab';
}

function gateway(): string {
  return `${process.env.K3S_LAB_SUBNET || '10.66.0'}.1`;
}

/** Runs `lab ARGS…`; resolves with the exit code instead of throwing. */
export function runLab(
  args: string[],
  opts: { stdin?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'bash',
      [LAB_SCRIPT, ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 0, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 124) : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
    child.stdin?.on('error', () => undefined); // the command may exit before reading its input
    child.stdin?.end(opts.stdin ?? '');
  });
}

async function mustRun(args: string[], timeoutMs = 0): Promise<string> {
  const r = await runLab(args, { timeoutMs });
  if (r.code !== 0) throw new Error(`lab ${args.join(' ')} failed (${r.code}):\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

/** The lab's spec syntax: NAME:arch=…,pi,fw=…,sudo=…,auth=…,delay=…,hostname=…,machine-id=same-as:… */
export function specString(s: LabHostSpec): string {
  const o: string[] = [];
  if (s.arch) o.push(`arch=${s.arch}`);
  if (s.pi) o.push('pi');
  if (s.firewall) o.push(`fw=${s.firewall}`);
  if (s.sudo) o.push(`sudo=${s.sudo}`);
  if (s.auth) o.push(`auth=${s.auth}`);
  if (s.delayMs) o.push(`delay=${Math.round(s.delayMs)}`);
  if (s.hostname) o.push(`hostname=${s.hostname}`);
  if (s.machineIdFrom) o.push(`machine-id=same-as:${s.machineIdFrom}`);
  if (s.cgroup && s.cgroup !== 'v2') o.push(`cgroup=${s.cgroup}`);
  return o.length ? `${s.name}:${o.join(',')}` : s.name;
}

interface LsEntry extends Omit<LabHost, 'spec'> {
  pi: boolean;
  firewall: LabHostSpec['firewall'];
  sudo: LabHostSpec['sudo'];
  auth: LabHostSpec['auth'];
  delayMs: number;
  machineIdFrom: string;
  state: 'up' | 'down' | 'booting';
}

/** Every defined host of the lab (running or not). */
export async function list(): Promise<(LabHost & { state: string })[]> {
  const all = JSON.parse(await mustRun(['ls', '--json'])) as LsEntry[];
  return all.map((e) => ({
    name: e.name,
    address: e.address,
    port: e.port,
    user: e.user,
    password: e.password,
    keyPath: e.keyPath,
    passphraseKeyPath: e.passphraseKeyPath,
    passphrase: e.passphrase,
    arch: e.arch,
    hostname: e.hostname,
    state: e.state,
    spec: {
      name: e.name,
      arch: e.arch,
      pi: e.pi,
      firewall: e.firewall,
      sudo: e.sudo,
      auth: e.auth,
      delayMs: e.delayMs,
      hostname: e.hostname,
      ...(e.machineIdFrom ? { machineIdFrom: e.machineIdFrom } : {}),
    },
  }));
}

export async function ensureImages(arches: LabArch[]): Promise<void> {
  await mustRun(['image', ...new Set<LabArch>(['amd64', ...arches])]);
}

/** Boots the hosts in parallel (addresses allocated under a lock) and waits for SSH and the firewall. */
export async function up(specs: LabHostSpec[]): Promise<LabHost[]> {
  await mustRun(['deps']);
  await mustRun(['up', ...specs.map(specString)]);
  const all = await list();
  return specs.map((s) => {
    const h = all.find((x) => x.name === s.name);
    if (!h) throw new Error(`lab host ${s.name} missing after up`);
    const { state: _state, ...host } = h;
    return host;
  });
}

export async function down(names: string[]): Promise<void> {
  if (names.length) await mustRun(['down', ...names]);
}

/** Runs argv as root inside the host (all its namespaces), like a console login. */
export function exec(
  name: string,
  argv: string[],
  opts: { stdin?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return runLab(['exec', name, ...argv], opts);
}

export const fault = {
  killSshd: (n: string) => mustRun(['fault', n, 'kill-sshd']).then(() => undefined),
  startSshd: (n: string) => mustRun(['fault', n, 'start-sshd']).then(() => undefined),
  stop: (n: string) => mustRun(['fault', n, 'stop']).then(() => undefined),
  start: (n: string) => mustRun(['fault', n, 'start']).then(() => undefined),
  reboot: (n: string) => mustRun(['fault', n, 'reboot']).then(() => undefined),
  cutNetwork: (n: string, seconds: number) =>
    mustRun(['fault', n, 'cut-net', String(Math.round(seconds))]).then(() => undefined),
  blockPort: (n: string, port: number, proto: 'tcp' | 'udp' = 'tcp') =>
    mustRun(['fault', n, 'block-port', `${port}/${proto}`]).then(() => undefined),
  unblockPort: (n: string, port: number, proto: 'tcp' | 'udp' = 'tcp') =>
    mustRun(['fault', n, 'unblock-port', `${port}/${proto}`]).then(() => undefined),
};

export function mirror(): {
  githubUrl: string;
  installScriptUrl: string;
  channelUrl: string;
  versions: string[];
  airgapDir: string;
} {
  const base = `http://${gateway()}:${process.env.K3S_LAB_MIRROR_PORT || '8089'}`;
  const vf = `${labDir()}/mirror/versions`;
  const versions = existsSync(vf) ? readFileSync(vf, 'utf8').trim().split(/\s+/) : DEFAULT_VERSIONS;
  return {
    githubUrl: `${base}/k3s-io/k3s/releases`,
    installScriptUrl: `${base}/install.sh`,
    channelUrl: `${base}/v1-release/channels`,
    versions,
    airgapDir: `${labDir()}/airgap`,
  };
}

/**
 * A release broken for one arch on the mirror: its files install (checksums match), then K3s
 * dies at start, as a bad upstream build does; for the host at `address` only (the other test
 * files running beside it install the same release). `fix` serves the good build again.
 */
export const mirrorFault = {
  break: (version: string, arch: 'amd64' | 'arm64' | 'arm', address: string) =>
    mustRun(['mirror', 'break', version, arch, address]).then(() => undefined),
  fix: (version: string, arch: 'amd64' | 'arm64' | 'arm', address: string) =>
    mustRun(['mirror', 'fix', version, arch, address]).then(() => undefined),
};

/** Builds the stand-in release files if needed and starts the mirror's HTTP server. */
export async function ensureMirror(): Promise<void> {
  await mustRun(['deps']);
  await mustRun(['mirror', 'start']);
}
