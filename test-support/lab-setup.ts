// The set-up the lab and end-to-end test files share: their own lab hosts for the file (up
// before, gone after), a scratch folder laid out as a user's computer, the mirror's install
// settings, a classroom roster and preset, and the real kubectl of this computer. Nothing here
// imports the app: vitest files, Playwright specs and benchmarks all use it.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { down, ensureMirror, exec, mirror, up, type LabHost, type LabHostSpec } from '../e2e/lab/index';

/** The two hooks of a test file: vitest's `{ beforeAll, afterAll }`, or Playwright's wrapped. */
export interface FileHooks {
  beforeAll(fn: () => Promise<void>, timeoutMs?: number): void;
  afterAll(fn: () => Promise<void>): void;
}

export interface LabHostsOptions {
  /** Start the release mirror first (anything that installs K3s needs it). Default true. */
  mirror?: boolean;
  /**
   * Wait until every host's boot has finished (`systemctl is-system-running --wait`): `up`
   * returns once sshd answers, and under qemu on a busy machine logind and D-Bus come later.
   */
  booted?: boolean;
  /** More set-up once the hosts are up (a second address, a cluster file, probed facts). */
  setUp?: (hosts: LabHost[]) => Promise<void> | void;
  /** Undone before the hosts go (a fault outside them, which `down` does not clear). */
  tearDown?: () => Promise<void>;
  /** For the whole set-up. Default 900 s. */
  timeoutMs?: number;
}

export interface LabHosts {
  readonly names: string[];
  /** The hosts in the order of the specs, filled in once the file's set-up has run. */
  readonly hosts: LabHost[];
  /** One host by its lab name. */
  host(name: string): LabHost;
}

/** Lab hosts booted afresh (any of the same names removed first), the mirror started unless told not. */
export async function bootHosts(
  specs: LabHostSpec[],
  options: Pick<LabHostsOptions, 'mirror' | 'booted'> = {},
): Promise<LabHost[]> {
  const names = specs.map((s) => s.name);
  if (options.mirror !== false) await ensureMirror();
  await down(names);
  const hosts = await up(specs);
  if (options.booted)
    await Promise.all(
      names.map((n) => exec(n, ['systemctl', 'is-system-running', '--wait'], { timeoutMs: 300_000 })),
    );
  return hosts;
}

/**
 * A test file's own lab hosts: any left over from an earlier run removed, then booted before the
 * file's tests, and removed after them. Names must be unique per file so files run in parallel.
 */
export function labHosts(hooks: FileHooks, specs: LabHostSpec[], options: LabHostsOptions = {}): LabHosts {
  const names = specs.map((s) => s.name);
  const hosts: LabHost[] = [];
  hooks.beforeAll(async () => {
    hosts.splice(0, hosts.length, ...(await bootHosts(specs, options)));
    await options.setUp?.(hosts);
  }, options.timeoutMs ?? 900_000);
  hooks.afterAll(async () => {
    try {
      await options.tearDown?.();
    } finally {
      await down(names);
    }
  });
  return {
    names,
    hosts,
    host: (name) => {
      const h = hosts.find((x) => x.name === name);
      if (!h) throw new Error(`no lab host ${name} (is the file's set-up done?)`);
      return h;
    },
  };
}

/** A scratch folder laid out as a user's computer: a home with ~/.kube, the app's data folder. */
export function scratchHome(prefix: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  mkdirSync(join(dir, 'home', '.kube'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    K3S_WIZARD_DATA_DIR: join(dir, 'data'),
    KUBECONFIG: join(dir, 'home', '.kube', 'config'),
  };
  return { dir, env };
}

/** The K3s version and online install settings of the lab's release mirror. */
export function mirrorInstall(): {
  k3s: { version: string | undefined };
  install: { source: 'online'; scriptUrl: string; githubUrl: string; channelUrl: string };
} {
  const m = mirror();
  return {
    k3s: { version: m.versions[0] },
    install: {
      source: 'online',
      scriptUrl: m.installScriptUrl,
      githubUrl: m.githubUrl,
      channelUrl: m.channelUrl,
    },
  };
}

/** Reads a YAML file (a cluster file, a preset), lets `change` edit it, writes it back. */
export function editYaml<T = Record<string, unknown>>(file: string, change: (doc: T) => void): void {
  const doc = parse(readFileSync(file, 'utf8')) as T;
  change(doc);
  writeFileSync(file, stringify(doc));
}

/** A classroom roster (`address,group` lines), the group of each host chosen by its index. */
export function rosterText(
  hosts: LabHost[],
  group: (index: number) => string,
  options: { header?: boolean } = {},
): string {
  const lines = hosts.map((h, i) => `${h.address},${group(i)}`);
  return [...(options.header === false ? [] : ['address,group']), ...lines].join('\n') + '\n';
}

/** The roster of `rosterText`, written to `file` (a teacher's CSV file); returns the file. */
export function writeRoster(
  file: string,
  hosts: LabHost[],
  group: (index: number) => string,
  options: { header?: boolean } = {},
): string {
  writeFileSync(file, rosterText(hosts, group, options));
  return file;
}

/**
 * A classroom preset for lab hosts: the mirror's install settings, the firewall left alone, a
 * key-file login as the lab user; `extra` adds or overrides settings.
 */
export function writePreset(
  file: string,
  name: string,
  login: LabHost,
  extra: Record<string, unknown> = {},
): void {
  writeFileSync(
    file,
    stringify({
      apiVersion: 'k3s-wizard/v1',
      kind: 'ClassroomPreset',
      name,
      ...mirrorInstall(),
      firewall: { policy: 'leave' },
      login: { user: login.user, auth: { method: 'key', keyPath: login.keyPath } },
      ...extra,
    }),
  );
}

/**
 * A second address of a host on its own network (a VIP, a second NIC's address): `.last` of the
 * host's /24, added to its eth0.
 */
export async function addSecondAddress(host: LabHost, last: number): Promise<string> {
  const address = `${host.address.split('.').slice(0, 3).join('.')}.${last}`;
  const r = await exec(host.name, ['ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  if (r.code !== 0) throw new Error(`could not add ${address} to ${host.name}: ${r.stderr}`);
  return address;
}

/** A command run as root inside a host through `sh -c`, its output trimmed. */
export async function remote(name: string, command: string): Promise<string> {
  return (await exec(name, ['sh', '-c', command])).stdout.trim();
}

const KUBECTL = '/usr/bin/kubectl';

/** The real kubectl of this computer with a kubeconfig (a student's one), its exit code and output. */
export function kubectlWith(
  kubeconfig: string,
  args: string[],
  home: string,
): { code: number | null; out: string } {
  const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig, '--request-timeout', '20s', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: home },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** What `expectStudentAccess` needs of vitest's or Playwright's `expect`. */
type Expect = (
  actual: unknown,
  message?: string,
) => { toBe(expected: unknown): void; toContain(expected: string): void; toMatch(expected: RegExp): void };

/**
 * A student's kubeconfig through the real kubectl: the pods of its own namespace listed (none
 * yet), the nodes and the neighbour's namespace Forbidden.
 */
export function expectStudentAccess(
  expect: Expect,
  kubeconfig: string,
  home: string,
  namespaces: { own: string; neighbour: string },
): void {
  const pods = kubectlWith(kubeconfig, ['get', 'pods'], home);
  expect(pods.code, pods.out).toBe(0);
  expect(pods.out).toContain(`No resources found in ${namespaces.own} namespace.`);
  const nodes = kubectlWith(kubeconfig, ['get', 'nodes'], home);
  expect(nodes.code).toBe(1);
  expect(nodes.out).toContain(
    `nodes is forbidden: User "system:serviceaccount:${namespaces.own}:student" cannot list resource "nodes"`,
  );
  const other = kubectlWith(kubeconfig, ['get', 'pods', '-n', namespaces.neighbour], home);
  expect(other.code).toBe(1);
  expect(other.out).toMatch(new RegExp(`Forbidden.*in the namespace "${namespaces.neighbour}"`));
}

/**
 * The real kubectl of this computer through the kubeconfig the app wrote (`env.KUBECONFIG`) and
 * one of its contexts, as the user runs it; rejects with kubectl's own words when it fails.
 */
export function realKubectl(
  where: { env: NodeJS.ProcessEnv; dir: string },
  context: string,
  args: string[],
): Promise<string> {
  const argv = [
    '--kubeconfig',
    where.env.KUBECONFIG as string,
    '--context',
    context,
    '--cache-dir',
    join(where.dir, 'kcache'),
    ...args,
  ];
  return new Promise((resolve, reject) =>
    execFile(
      'kubectl',
      argv,
      { timeout: 60_000, env: { ...process.env, HOME: where.env.HOME } },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
}

/** A command's output (`ps`, a kubectl table) as lines, each split into its columns. */
export function columns(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/));
}

/** The rows of a kubectl table (the heading left out), each split into its columns. */
export function tableRows(table: string): string[][] {
  return columns(table).slice(1);
}

/** ssh options for a lab host whose key this computer has not seen (and must not remember). */
export const LAB_SSH_OPTS = [
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
];

/** `ssh` arguments that run `command` on a host as its lab user, by key (`extra`: more -o options). */
export function labSshArgs(host: LabHost, command: string, extra: string[] = []): string[] {
  return [
    '-i',
    host.keyPath,
    '-p',
    String(host.port),
    ...extra,
    ...LAB_SSH_OPTS,
    `${host.user}@${host.address}`,
    command,
  ];
}
