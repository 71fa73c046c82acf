import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rehearsalImage } from '../../../shared/rehearsal';
import { captureIo } from '../../../test-support/cli-io';
import { EXIT } from '../exit-codes';
import { runCli } from '../program';

const FAKE = join(import.meta.dirname, '../../../test-support/fake-docker.mjs');

/** A computer with the fake `docker` first on PATH and a home of its own. */
function computer(extra: NodeJS.ProcessEnv = {}) {
  const root = mkdtempSync(join(tmpdir(), 'k3sw-docker-'));
  const bin = join(root, 'bin');
  const state = join(root, 'docker');
  const home = join(root, 'home');
  mkdirSync(bin);
  mkdirSync(state);
  mkdirSync(home);
  symlinkSync(FAKE, join(bin, 'docker'));
  const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: home, FAKE_DOCKER_DIR: state, ...extra };
  const calls = (): string[][] =>
    readFileSync(join(state, 'calls.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);
  const cli = async (...args: string[]) => {
    const io = captureIo(env);
    const code = await runCli(['rehearse', ...args], io.value);
    return { code, out: io.out(), err: io.err() };
  };
  return { env, home, calls, cli, kubeconfig: join(home, '.kube', 'config') };
}

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string } }[];
  users: { name: string }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context'?: string;
}

// every docker call starts a process: generous limits for a loaded machine
describe('k3s-wizard rehearse (a one-node K3s in Docker, through a fake docker)', { timeout: 60_000 }, () => {
  it('image tags turn the release’s + into -', () => {
    expect(rehearsalImage('v1.24.10+k3s1')).toBe('rancher/k3s:v1.24.10-k3s1');
    expect(rehearsalImage('v1.33.5+k3s1')).toBe('rancher/k3s:v1.33.5-k3s1');
  });

  it('runs the container privileged with a stable name and hostname, copies the kubeconfig out and merges it under the name', async () => {
    // K3s takes a while to write its kubeconfig: the rehearsal waits for it
    const c = computer({ FAKE_DOCKER_KUBECONFIG_AFTER_MS: '1500' });
    mkdirSync(join(c.home, '.kube'));
    writeFileSync(
      c.kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: work\n  cluster: {server: "https://work.example:6443"}\nusers:\n- name: work\n  user: {token: keep-me}\ncontexts:\n- name: work\n  context: {cluster: work, user: work}\ncurrent-context: work\n',
      { mode: 0o600 },
    );
    const r = await c.cli('--name', 'trial', '--k3s-version', 'v1.32.9+k3s1', '--port', '46443');
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toContain(
      'Rehearsal “trial” is ready: trial (v1.32.9+k3s1) Ready, API at https://127.0.0.1:46443.',
    );
    const run = c.calls().find((a) => a[0] === 'run');
    expect(run).toEqual([
      'run',
      '--detach',
      '--privileged',
      '--name',
      'trial',
      '--hostname',
      'trial',
      '--label',
      'io.k3s-wizard.rehearsal=trial',
      '--publish',
      '127.0.0.1:46443:6443',
      '--restart',
      'unless-stopped',
      'rancher/k3s:v1.32.9-k3s1',
      'server',
    ]);
    expect(c.calls().some((a) => a[0] === 'cp' && a[1] === 'trial:/etc/rancher/k3s/k3s.yaml')).toBe(true);
    const config = parse(readFileSync(c.kubeconfig, 'utf8')) as Kubeconfig;
    expect(statSync(c.kubeconfig).mode & 0o777).toBe(0o600);
    expect(config.clusters.map((x) => x.name).sort()).toEqual(['trial', 'work']);
    expect(config.clusters.find((x) => x.name === 'trial')?.cluster.server).toBe('https://127.0.0.1:46443');
    expect(config.contexts.find((x) => x.name === 'trial')?.context).toMatchObject({
      cluster: 'trial',
      user: 'trial',
    });
    expect(config.users.some((u) => u.name === 'default')).toBe(false);
    // the user's own entries are kept as they were
    expect(readFileSync(c.kubeconfig, 'utf8')).toContain('keep-me');
  });

  it('a second run starts nothing and changes nothing; --remove takes container and context back', async () => {
    const c = computer();
    expect((await c.cli('--name', 'again')).code).toBe(EXIT.OK);
    const before = readFileSync(c.kubeconfig, 'utf8');
    const second = await c.cli('--name', 'again');
    expect(second.code).toBe(EXIT.OK);
    expect(second.err).toContain('already running');
    expect(second.out).toContain('already had context “again”');
    expect(c.calls().filter((a) => a[0] === 'run')).toHaveLength(1);
    expect(readFileSync(c.kubeconfig, 'utf8')).toBe(before);

    const removed = await c.cli('--remove', '--name', 'again');
    expect(removed.code).toBe(EXIT.OK);
    expect(removed.out).toContain('Removed the container “again”.');
    expect(c.calls().some((a) => a.join(' ') === 'rm --force again')).toBe(true);
    const config = parse(readFileSync(c.kubeconfig, 'utf8')) as Kubeconfig;
    expect(config.contexts.some((x) => x.name === 'again')).toBe(false);
  });

  it('says what to do when docker is missing, its engine is down, the port is taken or the input is wrong', async () => {
    const noDocker = computer();
    const missing = await (async () => {
      const io = captureIo({ PATH: '/nonexistent', HOME: noDocker.home });
      return { code: await runCli(['rehearse'], io.value), err: io.err() };
    })();
    expect(missing.code).toBe(EXIT.FAILED);
    expect(missing.err).toContain('Docker was not found on this computer');

    const down = await computer({ FAKE_DOCKER_ENGINE: 'down' }).cli();
    expect(down.code).toBe(EXIT.FAILED);
    expect(down.err).toContain(
      'Docker is installed, but its engine does not answer (Cannot connect to the Docker daemon',
    );

    const taken = await computer({ FAKE_DOCKER_PORT_TAKEN: '127.0.0.1:6443:6443' }).cli();
    expect(taken.code).toBe(EXIT.FAILED);
    expect(taken.err).toContain('Port 6443 is taken on this computer: choose another (--port).');

    const bad = computer();
    const wrong = await bad.cli('--k3s-version', '1.33', '--name', 'My Pi', '--port', '70000');
    expect(wrong.code).toBe(EXIT.USAGE);
    expect(wrong.err).toContain('is not a K3s release');
    expect(wrong.err).toContain('“My Pi” is not a valid name');
    expect(wrong.err).toContain('from 1 to 65535');
  });

  it('refuses to take over or remove a container it did not make', async () => {
    const c = computer();
    // a container of the user's own with the same name (no rehearsal label)
    writeFileSync(
      join(c.env.FAKE_DOCKER_DIR, 'state.json'),
      JSON.stringify({
        containers: { web: { image: 'nginx:1', labels: {}, running: true, started: 0, hostname: 'web' } },
      }),
    );
    const start = await c.cli('--name', 'web');
    expect(start.code).toBe(EXIT.USAGE);
    expect(start.err).toContain('already exists and was not made by k3s-wizard');
    const remove = await c.cli('--remove', '--name', 'web');
    expect(remove.code).toBe(EXIT.USAGE);
    expect(c.calls().some((a) => a[0] === 'rm')).toBe(false);
  });

  it('--dry-run prints the commands and runs none', async () => {
    const c = computer();
    const r = await c.cli('--dry-run', '--name', 'look');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toContain('docker run --detach --privileged --name look --hostname look');
    expect(() => c.calls()).toThrow();
  });
});
