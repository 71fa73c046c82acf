import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { bundleDownload, kubeconfigDownload } from './downloads';

const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

describe('downloads for the browser front', () => {
  it('gives one context of a merged kubeconfig, never the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-dl-'));
    const path = join(dir, 'config');
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'homelab', cluster: { server: 'https://10.0.0.1:6443' } },
          { name: 'work', cluster: { server: 'https://work.example:6443' } },
        ],
        users: [
          { name: 'homelab', user: { token: 'homelab-secret' } },
          { name: 'work', user: { token: 'work-secret' } },
        ],
        contexts: [
          { name: 'homelab', context: { cluster: 'homelab', user: 'homelab' } },
          { name: 'work', context: { cluster: 'work', user: 'work' } },
        ],
        'current-context': 'work',
      }),
    );
    const download = kubeconfigDownload(path, 'homelab');
    expect(download.name).toBe('homelab.kubeconfig.yaml');
    const config = parse(text(download.base64)) as Record<string, unknown>;
    expect(config['current-context']).toBe('homelab');
    expect(text(download.base64)).toContain('homelab-secret');
    expect(text(download.base64)).not.toContain('work');
    expect(() => kubeconfigDownload(path, 'elsewhere')).toThrow(/no complete context elsewhere/);
  });

  it('gives a support bundle under the data folder and refuses any other file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'k3sw-dl-data-'));
    const bundles = join(dataDir, 'clusters', 'homelab', 'bundles');
    mkdirSync(bundles, { recursive: true });
    const bundle = join(bundles, '2026-01-01.tar.gz');
    writeFileSync(bundle, 'gzip bytes');
    expect(text(bundleDownload(dataDir, bundle).base64)).toBe('gzip bytes');
    const elsewhere = join(dataDir, 'secret.tar.gz');
    writeFileSync(elsewhere, 'no');
    expect(() => bundleDownload(dataDir, elsewhere)).toThrow(/not a support bundle/);
    expect(() => bundleDownload(dataDir, join(bundles, '..', '..', '..', 'secret.tar.gz'))).toThrow(
      /not a support bundle/,
    );
    expect(() => bundleDownload(dataDir, '/etc/passwd')).toThrow();
  });
});
