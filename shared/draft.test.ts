import { describe, expect, it } from 'vitest';
import { ClusterDraftInputSchema, ClusterDraftSchema, ClusterSlug, findSecrets, STEP_IDS } from './draft';
import { makeDraft } from '../test-support/shared/draft';

describe('saved cluster draft', () => {
  it('accepts the wizard draft and gives it the current format version', () => {
    const parsed = ClusterDraftInputSchema.parse(makeDraft());
    expect(parsed.version).toBe(1);
    expect(parsed.hosts[1]?.firewall).toBe('leave');
    expect(ClusterDraftSchema.safeParse({ ...parsed, savedAt: '2026-01-02T03:04:05.000Z' }).success).toBe(
      true,
    );
  });

  it('a draft saved before the listener options loads with their defaults', () => {
    const old = makeDraft();
    const { apiEndpoint: _e, listeners: _l, nodeIdentity: _n, ...cluster } = old.cluster;
    const parsed = ClusterDraftInputSchema.parse({ ...old, cluster });
    expect(parsed.cluster).toMatchObject({ apiEndpoint: '', listeners: {}, nodeIdentity: 'names' });
    const listeners = {
      'pi@10.0.0.11:22': {
        bindAddress: '',
        advertiseAddress: '',
        advertisePort: '',
        tlsSans: 'vip.lan',
        nodeExternalIp: '',
        rootless: false,
      },
    };
    // saved before the per-server listen port: the cluster's port (empty) for each server
    expect(
      ClusterDraftInputSchema.parse({ ...old, cluster: { ...old.cluster, listeners } }).cluster.listeners,
    ).toEqual({ 'pi@10.0.0.11:22': { ...listeners['pi@10.0.0.11:22'], httpsListenPort: '' } });
  });

  it('refuses a secret before anything else, naming where it is', () => {
    const draft = makeDraft();
    const withPassword = { ...draft, hosts: [{ ...draft.hosts[0], password: 'hunter2' }] };
    const result = ClusterDraftInputSchema.safeParse(withPassword);
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(issues.map((issue) => issue.path)).toEqual([['hosts', '0', 'password']]);
    expect(issues[0]?.message).toContain('never holds a password');
    // The message never repeats the value.
    expect(JSON.stringify(result.error?.issues)).not.toContain('hunter2');
  });

  it('finds secrets by field name (string values only) and by shape anywhere', () => {
    expect(findSecrets({ sudo: { password: false } })).toEqual([]);
    expect(findSecrets({ a: { Passphrase: 'x' }, b: [{ token: 't' }], privateKey: 'k' })).toEqual([
      'a.Passphrase',
      'b.0.token',
      'privateKey',
    ]);
    expect(findSecrets({ notes: 'K10' + 'a'.repeat(20) + '::server:abc' })).toEqual(['notes']);
    expect(findSecrets(['-----BEGIN OPENSSH PRIVATE KEY-----\nabc'])).toEqual(['0']);
    expect(findSecrets(makeDraft())).toEqual([]);
  });

  it('refuses fields it does not know, so a new store field is not silently dropped', () => {
    const result = ClusterDraftInputSchema.safeParse({ ...makeDraft(), extra: 1 });
    expect(result.success).toBe(false);
    const cluster = { ...makeDraft().cluster, newOption: true };
    expect(ClusterDraftInputSchema.safeParse({ ...makeDraft(), cluster }).success).toBe(false);
  });

  it('knows the wizard steps in order and refuses others', () => {
    expect(STEP_IDS[0]).toBe('hosts');
    expect(STEP_IDS.at(-1)).toBe('done');
    expect(ClusterDraftInputSchema.safeParse(makeDraft({ step: 'nowhere' as 'hosts' })).success).toBe(false);
  });

  it('accepts only plain folder names as slugs', () => {
    for (const good of ['homelab', 'home-lab-2', 'a']) expect(ClusterSlug.safeParse(good).success).toBe(true);
    for (const bad of ['', '..', '../x', 'a/b', 'Home', '-x', 'x-', 'a'.repeat(65)]) {
      expect(ClusterSlug.safeParse(bad).success).toBe(false);
    }
  });
});
