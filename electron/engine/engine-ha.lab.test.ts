// Three servers with embedded etcd and one agent on lab hosts: the further servers join the first
// one at a time, the agent after them; every node ends Ready with the right role.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, ensureMirror, up, type LabHost } from '../../e2e/lab/index';
import { clusterFile, labRun } from './lab-helpers';

const SPECS = ['e6h1', 'e6h2', 'e6h3', 'e6h4'].map((name) => ({
  name,
  arch: 'amd64' as const,
  firewall: 'none' as const,
}));
const names = SPECS.map((s) => s.name);
let hosts: LabHost[] = [];

beforeAll(async () => {
  await ensureMirror();
  await down(names);
  hosts = await up(SPECS);
}, 900_000);

afterAll(async () => {
  await down(names);
});

it('3 HA servers + 1 agent: servers join one at a time, every node Ready', async () => {
  const [h1, h2, h3, h4] = hosts as [LabHost, LabHost, LabHost, LabHost];
  const cluster = clusterFile('e6ha', [
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
