// Air-gap install on lab hosts of two architectures (amd64 server, armhf agent) from a copy of
// the lab's air-gap folder: a file missing for one host's arch, and a corrupt file, each stop the
// run before anything is uploaded anywhere; a copy the host refuses fails the step and names
// the file; then each host gets its own binary and images (with
// upload progress), and a run that repeats the uploads finds them there and copies nothing.
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, mirror, type LabHost } from '../../e2e/lab/index';
import { labHosts } from '../../test-support/lab-setup';
import type { HostFacts } from '../../shared/facts';
import type { Plan } from '../../shared/plan';
import {
  apply,
  clusterFile,
  labFacts,
  labRun,
  readRemote,
  type ClusterFile,
} from '../../test-support/engine/lab';

const SPECS = [
  { name: 'g7s', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 'g7h', arch: 'armhf' as const, firewall: 'none' as const },
];
let cluster: ClusterFile;
let facts: Record<string, HostFacts>;
let folder: string;

function freshFolder(): void {
  rmSync(folder, { recursive: true, force: true });
  const source = mirror().airgapDir;
  mkdirSync(folder, { recursive: true });
  for (const f of readdirSync(source)) copyFileSync(join(source, f), join(folder, f));
}

const { names } = labHosts({ beforeAll, afterAll }, SPECS, {
  setUp: async (up) => {
    folder = join(mkdtempSync(join(tmpdir(), 'g7-')), 'airgap');
    freshFolder();
    const [s, h] = up as [LabHost, LabHost];
    cluster = clusterFile(
      'g7ag',
      [
        { host: s, role: 'server' },
        { host: h, role: 'agent' },
      ],
      { install: { source: 'airgap', folder, images: true } },
    );
    facts = await labFacts(cluster);
  },
});

async function nothingUploaded(): Promise<void> {
  for (const name of names) {
    const r = await exec(name, [
      'sh',
      '-c',
      'ls /usr/local/bin/k3s /var/lib/rancher/k3s/agent/images /tmp/.k3s-wizard-upload-* 2>/dev/null; true',
    ]);
    expect(r.stdout.trim(), name).toBe('');
  }
}

describe('air-gap install', () => {
  it('a file missing for one host’s arch stops the plan before anything is uploaded', async () => {
    rmSync(join(folder, 'k3s-armhf'));
    const factsFile = join(cluster.dir, 'facts.json');
    writeFileSync(factsFile, JSON.stringify(facts));
    const r = await apply(cluster, ['--facts', factsFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no k3s-armhf, which g7h (arm) needs');
    await nothingUploaded();
  });

  it('a corrupt file stops the run at the check, before anything is uploaded', async () => {
    freshFolder();
    appendFileSync(join(folder, 'k3s'), 'x');
    const { started, pool } = await labRun(cluster, { facts });
    const snapshot = await started.done;
    pool.closeAll();
    const error = snapshot.steps['prepare:airgap-files']?.error;
    expect(error?.code, JSON.stringify(error)).toBe('CHECKSUM_MISMATCH');
    expect(error?.message).toContain(join(folder, 'k3s'));
    expect(snapshot.steps['install:g7s']?.status).toBe('blocked');
    await nothingUploaded();
  });

  it('a copy the host refuses fails the install step, naming the step and the file', async () => {
    freshFolder();
    // The login user may not create files in /tmp: the copy to the temporary file fails.
    await exec('g7s', ['chmod', '1755', '/tmp']);
    try {
      const { started, pool } = await labRun(cluster, { facts });
      const snapshot = await started.done;
      pool.closeAll();
      const step = snapshot.steps['install:g7s'];
      expect(step?.status).toBe('failed');
      expect(step?.error?.code).toBe('FILE_ERROR');
      expect(step?.error?.message).toContain('g7s, step “Install K3s server”');
      expect(step?.error?.message).toContain(join(folder, 'install.sh'));
      expect(step?.error?.message).toContain('must be able to create files in /tmp');
      expect(snapshot.steps['install:g7h']?.status).toBe('blocked');
    } finally {
      await exec('g7s', ['chmod', '1777', '/tmp']);
    }
    await nothingUploaded();
  });

  it('each host gets its arch’s binary and images, with progress; repeated uploads copy nothing', async () => {
    freshFolder();
    const { started, pool, events } = await labRun(cluster, { facts });
    const snapshot = await started.done;
    pool.closeAll();
    expect(snapshot.status, JSON.stringify(Object.values(snapshot.steps).map((s) => s.error))).toBe(
      'succeeded',
    );
    const sums = (arch: string) => readRemoteLocal(join(folder, `sha256sum-${arch}.txt`));
    const sha = async (host: string, path: string) =>
      (await exec(host, ['sh', '-c', 'sha256sum < "$1" | cut -d" " -f1', 'sh', path])).stdout.trim();
    expect(sums('amd64')).toContain(`${await sha('g7s', '/usr/local/bin/k3s')}  k3s\n`);
    expect(sums('arm')).toContain(`${await sha('g7h', '/usr/local/bin/k3s')}  k3s-armhf\n`);
    expect((await exec('g7s', ['stat', '-c', '%a', '/usr/local/bin/k3s'])).stdout.trim()).toBe('755');
    expect(
      await readRemote('g7s', '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst'),
    ).not.toBe('');
    expect((await exec('g7h', ['ls', '/var/lib/rancher/k3s/agent/images'])).stdout.trim()).toBe(
      'k3s-airgap-images-arm.tar.zst',
    );
    const progress = events.filter((e) => e.type === 'progress' && e.total !== undefined && e.total > 0);
    expect(new Set(progress.map((e) => ('host' in e ? e.host : '')))).toEqual(new Set(names));
    expect((snapshot.nodes ?? []).map((n) => n.arch).sort()).toEqual(['amd64', 'arm']);

    // Everything again (the install steps' checks removed): the files are there already.
    const again = await labRun(cluster, {
      facts,
      edit: (plan: Plan) => ({
        ...plan,
        steps: plan.steps.map((s) => (s.id.startsWith('install:') ? { ...s, alreadyDone: null } : s)),
      }),
    });
    const second = await again.started.done;
    again.pool.closeAll();
    expect(second.status).toBe('succeeded');
    const copied = again.events.filter((e) => e.type === 'progress' && e.total !== undefined);
    expect(copied.map((e) => ('what' in e ? e.what : ''))).toEqual([]);
    for (const name of names) {
      const out = second.steps[`install:${name}`]?.output.join('\n') ?? '';
      expect(out).toContain(`already on ${name} with the same sha256: /usr/local/bin/k3s`);
    }
  });
});

function readRemoteLocal(path: string): string {
  return readFileSync(path, 'utf8');
}
