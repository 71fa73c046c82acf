// Three servers with embedded etcd and one agent on lab hosts: the further servers join the first
// one at a time, the agent after them; every node ends Ready with the right role.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exec, type LabHost } from '../../e2e/lab/index';
import { labHosts } from '../../test-support/lab-setup';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';
import { clusterFile, labPool, labRun, type ClusterFile } from '../../test-support/engine/lab';
import { SshHostRunner } from './ssh-runner';

const SPECS = ['e6h1', 'e6h2', 'e6h3', 'e6h4'].map((name) => ({
  name,
  arch: 'amd64' as const,
  firewall: 'none' as const,
}));
let cluster: ClusterFile;

const { names, hosts } = labHosts({ beforeAll, afterAll }, SPECS);

it('3 HA servers + 1 agent: servers join one at a time, every node Ready', async () => {
  const [h1, h2, h3, h4] = hosts as [LabHost, LabHost, LabHost, LabHost];
  cluster = clusterFile('e6ha', [
    { host: h1, role: 'server' },
    { host: h2, role: 'server' },
    { host: h3, role: 'server' },
    { host: h4, role: 'agent' },
  ]);
  const { started, events, pool } = await labRun(cluster);
  const snapshot = await started.done;
  pool.closeAll();
  const broken = Object.values(snapshot.steps).filter((s) => s.status !== 'done');
  expect(
    broken,
    JSON.stringify(
      broken.map((s) => s.error),
      null,
      2,
    ),
  ).toEqual([]);
  const nodes = snapshot.nodes ?? [];
  expect(nodes.map((n) => n.name).sort()).toEqual(names);
  expect(nodes.every((n) => n.ready)).toBe(true);
  expect(
    nodes
      .filter((n) => n.roles.includes('control-plane'))
      .map((n) => n.name)
      .sort(),
  ).toEqual(['e6h1', 'e6h2', 'e6h3']);
  // One server at a time: e6h3 starts only after e6h2 has finished.
  const at = (type: string, id: string) =>
    events.findIndex((e) => e.type === type && 'stepId' in e && e.stepId === id);
  expect(at('step-finished', 'install:e6h2')).toBeLessThan(at('step-started', 'install:e6h3'));
  expect(snapshot.checkedFromHere).toBe(true);
});

it('the SSH runner uploads with a checksum check, and waits through a reboot', async () => {
  const agent = hosts[3] as LabHost;
  const { pool } = await labPool(cluster);
  const runner = new SshHostRunner(
    pool,
    { host: agent.address, port: agent.port, user: agent.user },
    agent.name,
  );
  const local = join(mkdtempSync(join(tmpdir(), 'e6up-')), 'blob');
  const content = Buffer.alloc(300_000, 7);
  writeFileSync(local, content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const signal = new AbortController().signal;
  const seen: number[] = [];
  const upload = {
    localFile: local,
    mode: '0640',
    timeoutMs: 60_000,
    signal,
    onProgress: (t: number) => seen.push(t),
  };
  await runner.upload({ ...upload, remotePath: '/opt/e6/blob', sha256 });
  const placed = await exec(agent.name, [
    'sh',
    '-c',
    'stat -c "%a %U" /opt/e6/blob; sha256sum /opt/e6/blob; ls /tmp',
  ]);
  expect(placed.stdout).toContain('640 root');
  expect(placed.stdout).toContain(sha256);
  expect(placed.stdout).not.toContain('k3s-wizard-upload');
  expect(seen.at(-1)).toBe(content.length);
  const wrong = runner.upload({ ...upload, remotePath: '/opt/e6/bad', sha256: '0'.repeat(64) });
  await expect(wrong).rejects.toBeInstanceOf(AppError);
  expect((await exec(agent.name, ['sh', '-c', 'test -e /opt/e6/bad || echo absent'])).stdout.trim()).toBe(
    'absent',
  );

  const initStart = async () =>
    (await exec(agent.name, ['awk', '{print $22}', '/proc/1/stat'])).stdout.trim();
  const before = await initStart();
  await runner.rebootAndWait({ timeoutMs: 180_000, signal });
  expect(await initStart()).not.toBe(before);
  const after = await runner.exec({ command: 'id -u', sudo: true, timeoutMs: 20_000, signal, what: 'check' });
  expect(after.stdout.trim()).toBe('0');
  pool.closeAll();
});
