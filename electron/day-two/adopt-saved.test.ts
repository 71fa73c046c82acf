import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterSpecInput } from '../../shared/spec';
import { ClusterStore } from '../clusters/store';
import { adoptAndSave } from './adopt-saved';
import type { ClusterService } from './cluster-service';

const read = (version: string): ClusterSpecInput => ({
  apiVersion: 'k3s-wizard/v1',
  kind: 'Cluster',
  name: 'srv1',
  k3s: { version },
  nodes: [
    { address: '10.0.0.1', user: 'pi', auth: { method: 'agent' }, role: 'server', nodeName: 'srv1' },
    { address: '10.0.0.2', user: 'pi', auth: { method: 'agent' }, role: 'agent', nodeName: 'a1' },
  ],
});

function service(spec: () => ClusterSpecInput): ClusterService {
  return {
    adopt: () => Promise.resolve({ spec: spec(), notes: ['a1: reached over SSH'], missing: [] }),
  } as unknown as ClusterService;
}

const input = {
  address: '10.0.0.1',
  port: 22,
  user: 'pi',
  auth: 'agent' as const,
  keyPath: '',
  sudoPasswordGiven: false,
};

describe('adopt from the app', () => {
  it('saves an installed cluster; adopting it again brings that one up to date instead of a second', async () => {
    const clusters = new ClusterStore({ dataDir: mkdtempSync(join(tmpdir(), 'k3sw-adopt-')) });
    let version = 'v1.32.9+k3s1';
    const deps = { service: service(() => read(version)), clusters };
    const first = await adoptAndSave(input, deps);
    expect(first).toMatchObject({ slug: 'srv1', name: 'srv1', notes: ['a1: reached over SSH'] });
    expect(clusters.list()).toMatchObject([{ slug: 'srv1', hosts: 2, installed: true }]);

    // renamed by the user, then upgraded outside the app and adopted again
    const saved = clusters.load('srv1');
    clusters.save({
      slug: 'srv1',
      draft: { ...saved, name: 'homelab', cluster: { ...saved.cluster, name: 'homelab' } },
    });
    version = 'v1.33.5+k3s1';
    const again = await adoptAndSave(input, deps);
    expect(again.slug).toBe('srv1');
    expect(again.name).toBe('homelab');
    expect(again.notes[1]).toContain('Saved before as homelab');
    expect(clusters.list()).toHaveLength(1);
    expect(clusters.load('srv1').cluster.version).toEqual({ kind: 'version', version: 'v1.33.5+k3s1' });
  });

  it('a cluster that does not make a valid file is refused, and nothing is saved', async () => {
    const clusters = new ClusterStore({ dataDir: mkdtempSync(join(tmpdir(), 'k3sw-adopt-')) });
    const broken = { ...read('v1.33.5+k3s1'), nodes: [] };
    await expect(adoptAndSave(input, { service: service(() => broken), clusters })).rejects.toMatchObject({
      code: 'SPEC_INVALID',
    });
    expect(clusters.list()).toEqual([]);
  });
});
