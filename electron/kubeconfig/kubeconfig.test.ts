import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KUBECONFIG_TEXT } from '../../test-support/engine/harness';
import { defaultKubeconfigPath, saveKubeconfig, separateKubeconfigPath } from './file';
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
