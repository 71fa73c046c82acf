import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KUBECONFIG_TEXT } from '../../test-support/engine/harness';
import { defaultKubeconfigPath, MAX_KUBECONFIG_BYTES, saveKubeconfig, separateKubeconfigPath } from './file';
import { mergeKubeconfig, renameKubeconfig, resolveContext, type KubeConfig } from './merge';

const SERVER = 'https://192.168.1.10:6443';

const existing: KubeConfig = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    { name: 'work', cluster: { server: 'https://work:6443' } },
    { name: 'lab', cluster: { server: 'https://old-lab:6443' } },
  ],
  users: [
    { name: 'work', user: { token: 'abc' } },
    { name: 'lab', user: { token: 'old' } },
  ],
  contexts: [
    { name: 'work', context: { cluster: 'work', user: 'work', namespace: 'apps' } },
    { name: 'lab', context: { cluster: 'lab', user: 'lab' } },
  ],
  'current-context': 'work',
  preferences: { colors: true },
};

function place() {
  const home = mkdtempSync(join(tmpdir(), 'k3sw-kc-'));
  return { home, env: {} as NodeJS.ProcessEnv };
}

describe('kubeconfig', () => {
  it('renames cluster, user and context to the cluster name and sets the server', () => {
    const config = renameKubeconfig(KUBECONFIG_TEXT, { name: 'lab', server: SERVER });
    expect(config.clusters).toEqual([
      { name: 'lab', cluster: { 'certificate-authority-data': 'Q0EtREFUQQ==', server: SERVER } },
    ]);
    expect(config.users?.[0]?.name).toBe('lab');
    expect(config.contexts).toEqual([{ name: 'lab', context: { cluster: 'lab', user: 'lab' } }]);
    expect(config['current-context']).toBe('lab');
    expect(resolveContext(config, 'lab').server).toBe(SERVER);
  });

  it('merges: the new entries replace same-named ones, the others stay, the new context is current', () => {
    const merged = mergeKubeconfig(
      existing,
      renameKubeconfig(KUBECONFIG_TEXT, { name: 'lab', server: SERVER }),
    );
    expect(merged.clusters?.map((c) => c.name)).toEqual(['work', 'lab']);
    expect(resolveContext(merged, 'lab').server).toBe(SERVER);
    expect(resolveContext(merged, 'work').server).toBe('https://work:6443');
    expect(merged.users?.find((u) => u.name === 'lab')?.user).toMatchObject({
      'client-key-data': 'S0VZLVNFQ1JFVC1EQVRB',
    });
    expect(merged['current-context']).toBe('lab');
    expect(merged.preferences).toEqual({ colors: true });
  });

  it('writes ~/.kube/config 0600 after a backup, and leaves an identical result alone', () => {
    const p = place();
    const path = defaultKubeconfigPath(p);
    expect(path).toBe(join(p.home, '.kube', 'config'));
    const first = saveKubeconfig({
      ...p,
      kubeconfig: KUBECONFIG_TEXT,
      server: SERVER,
      contextName: 'lab',
      file: 'merge',
    });
    expect(first).toEqual({ path, changed: true, backup: null });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = saveKubeconfig({
      ...p,
      kubeconfig: KUBECONFIG_TEXT,
      server: SERVER,
      contextName: 'lab',
      file: 'merge',
    });
    expect(again.changed).toBe(false);
    expect(readdirSync(join(p.home, '.kube'))).toEqual(['config']);
    const moved = saveKubeconfig({
      ...p,
      kubeconfig: KUBECONFIG_TEXT,
      server: 'https://lab.example:6443',
      contextName: 'lab',
      file: 'merge',
      now: new Date('2026-01-02T03:04:05Z'),
    });
    expect(moved.backup).toBe(`${path}.bak-2026-01-02T03-04-05-000Z`);
    expect(readFileSync(moved.backup!, 'utf8')).toContain(SERVER);
    expect(statSync(moved.backup!).mode & 0o777).toBe(0o600);
  });

  it('merges into the first path of KUBECONFIG and keeps what was there', () => {
    const p = place();
    const first = join(p.home, 'a.yaml');
    writeFileSync(first, JSON.stringify(existing), { mode: 0o644 });
    p.env.KUBECONFIG = ['', first, join(p.home, 'b.yaml')].join(delimiter);
    const saved = saveKubeconfig({
      ...p,
      kubeconfig: KUBECONFIG_TEXT,
      server: SERVER,
      contextName: 'lab',
      file: 'merge',
    });
    expect(saved.path).toBe(first);
    expect(saved.backup).not.toBeNull();
    const doc = parse(readFileSync(first, 'utf8')) as KubeConfig;
    expect(doc.contexts?.map((c) => c.name)).toEqual(['work', 'lab']);
    expect(statSync(first).mode & 0o777).toBe(0o600);
  });

  it('a separate file holds only this cluster', () => {
    const p = place();
    const saved = saveKubeconfig({
      ...p,
      kubeconfig: KUBECONFIG_TEXT,
      server: SERVER,
      contextName: 'my lab',
      file: 'separate',
    });
    expect(saved.path).toBe(separateKubeconfigPath(p, 'my lab'));
    expect(saved.path.endsWith('my-lab.yaml')).toBe(true);
    const doc = parse(readFileSync(saved.path, 'utf8')) as KubeConfig;
    expect(doc.contexts?.map((c) => c.name)).toEqual(['my lab']);
  });

  it('refuses to overwrite a kubeconfig it cannot parse', () => {
    const p = place();
    const path = join(p.home, 'broken');
    writeFileSync(path, 'clusters: [oops');
    p.env.KUBECONFIG = path;
    expect(() =>
      saveKubeconfig({
        ...p,
        kubeconfig: KUBECONFIG_TEXT,
        server: SERVER,
        contextName: 'lab',
        file: 'merge',
      }),
    ).toThrow(/not valid YAML/);
    expect(readFileSync(path, 'utf8')).toBe('clusters: [oops');
  });
});

describe('removing what was merged', () => {
  it('takes out only the cluster’s entries, with a backup, and then changes nothing', async () => {
    const { removeKubeconfig } = await import('./file');
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-kc-rm-'));
    const env = { KUBECONFIG: join(dir, 'config') };
    saveKubeconfig({ env, kubeconfig: KUBECONFIG_TEXT, server: SERVER, contextName: 'lab', file: 'merge' });
    const merged = mergeKubeconfig(existing, parse(readFileSync(join(dir, 'config'), 'utf8')) as KubeConfig);
    writeFileSync(join(dir, 'config'), JSON.stringify(merged));
    const removed = removeKubeconfig({ env, contextName: 'lab', file: 'merge' });
    expect(removed.changed).toBe(true);
    expect(removed.backup).not.toBeNull();
    const after = parse(readFileSync(join(dir, 'config'), 'utf8')) as KubeConfig;
    expect(after.contexts?.map((c) => c.name)).toEqual(['work']);
    expect(after.clusters?.map((c) => c.name)).toEqual(['work']);
    expect(after.users?.map((c) => c.name)).toEqual(['work']);
    expect(after['current-context']).toBe('work');
    expect(statSync(join(dir, 'config')).mode & 0o777).toBe(0o600);
    expect(removeKubeconfig({ env, contextName: 'lab', file: 'merge' }).changed).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.bak-'))).toHaveLength(1);
  });
});

describe('the kubeconfig file, as kubectl shares it', () => {
  const save = (env: NodeJS.ProcessEnv, extra: Partial<Parameters<typeof saveKubeconfig>[0]> = {}) =>
    saveKubeconfig({
      env,
      kubeconfig: KUBECONFIG_TEXT,
      server: SERVER,
      contextName: 'lab',
      file: 'merge',
      ...extra,
    });

  it('follows a symlinked config and writes its target, keeping the link', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-kc-link-'));
    const target = join(dir, 'dotfiles', 'kubeconfig');
    mkdirSync(join(dir, 'dotfiles'));
    writeFileSync(target, JSON.stringify(existing), { mode: 0o600 });
    symlinkSync(target, join(dir, 'config'));
    const saved = save({ KUBECONFIG: join(dir, 'config') });
    expect(saved.changed).toBe(true);
    expect(lstatSync(join(dir, 'config')).isSymbolicLink()).toBe(true);
    const doc = parse(readFileSync(target, 'utf8')) as KubeConfig;
    expect(doc.contexts?.map((c) => c.name)).toEqual(['work', 'lab']);
    expect(saved.backup?.startsWith(`${target}.bak-`)).toBe(true);
  });

  it('takes kubectl’s lock (<file>.lock, created exclusively) and refuses while another holds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-kc-lock-'));
    const env = { KUBECONFIG: join(dir, 'config') };
    writeFileSync(join(dir, 'config.lock'), '');
    expect(() => save(env)).toThrow(/config\.lock/);
    expect(existsSync(join(dir, 'config'))).toBe(false);
    unlinkSync(join(dir, 'config.lock'));
    expect(save(env).changed).toBe(true);
    expect(existsSync(join(dir, 'config.lock'))).toBe(false);
  });

  it('does not switch the current context silently: it keeps the user’s and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-kc-ctx-'));
    const env = { KUBECONFIG: join(dir, 'config') };
    writeFileSync(join(dir, 'config'), JSON.stringify(existing));
    const saved = save(env);
    const doc = parse(readFileSync(join(dir, 'config'), 'utf8')) as KubeConfig;
    expect(doc['current-context']).toBe('work');
    expect(saved.note).toMatch(/current context stays "work".*kubectl config use-context lab/);
    // An empty or new file gets the cluster as its current context.
    const fresh = { KUBECONFIG: join(dir, 'new') };
    expect(save(fresh).note).toBeUndefined();
    expect((parse(readFileSync(join(dir, 'new'), 'utf8')) as KubeConfig)['current-context']).toBe('lab');
  });

  it('keeps the last three backups, 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-kc-bak-'));
    const env = { KUBECONFIG: join(dir, 'config') };
    for (let i = 0; i < 6; i++) {
      save(env, { server: `https://10.0.0.${i}:6443`, now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) });
    }
    const backups = readdirSync(dir)
      .filter((f) => f.includes('.bak-'))
      .sort();
    expect(backups).toEqual([
      'config.bak-2026-01-01T00-00-03-000Z',
      'config.bak-2026-01-01T00-00-04-000Z',
      'config.bak-2026-01-01T00-00-05-000Z',
    ]);
    for (const b of backups) expect(statSync(join(dir, b)).mode & 0o777).toBe(0o600);
  });

  it('refuses a kubeconfig too large to be one, read or received', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-kc-big-'));
    const env = { KUBECONFIG: join(dir, 'config') };
    writeFileSync(join(dir, 'config'), `# ${'x'.repeat(MAX_KUBECONFIG_BYTES)}\n`);
    expect(() => save(env)).toThrow(/too large/);
    expect(() =>
      save({ KUBECONFIG: join(dir, 'other') }, { kubeconfig: 'x'.repeat(MAX_KUBECONFIG_BYTES + 1) }),
    ).toThrow(/too large/);
  });
});
