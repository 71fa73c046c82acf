// An air-gapped upgrade through the command line: a server and an agent installed online at
// v1.32, then the cluster file switched to the lab's air-gap folder (the v1.33 release files):
// each node gets the folder's binary (sha256 checked), images and install script, restarts and
// is Ready at v1.33. A folder that holds another release than the one asked for is refused
// before the node is touched (it stays uncordoned, at its version).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirror } from '../../e2e/lab/index';
import { labHosts } from '../../test-support/lab-setup';
import { listNodesFromHere } from '../kubeconfig/check';
import {
  apply,
  asNodes,
  clusterFile,
  editCluster,
  k3sWizard,
  type ClusterFile,
} from '../../test-support/engine/lab';

const SPECS = [
  { name: 'u3s1', arch: 'amd64' as const, firewall: 'none' as const },
  { name: 'u3a1', arch: 'amd64' as const, firewall: 'none' as const },
];
const [OLD, STABLE, LATEST] = ['v1.32.9+k3s1', 'v1.33.5+k3s1', 'v1.34.1+k3s1'];
let cluster: ClusterFile;

const cli = (args: string[]) => k3sWizard(cluster.env, [...args, '--accept-new-host-keys', '--plain']);

const nodes = async () =>
  (await listNodesFromHere({ path: cluster.env.KUBECONFIG as string, contextName: 'u3' }))
    .map((n) => `${n.name} ${n.version} ${n.ready ? 'Ready' : 'NotReady'}`)
    .sort();

labHosts({ beforeAll, afterAll }, SPECS, {
  setUp: async (hosts) => {
    cluster = clusterFile('u3', asNodes(hosts), { k3s: { version: OLD } });
    const first = await apply(cluster);
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    editCluster(cluster, (spec) => {
      spec.install = { source: 'airgap', folder: mirror().airgapDir, images: true };
    });
  },
});

describe('an air-gapped upgrade', { timeout: 900_000 }, () => {
  it('upgrades each node with the folder’s files', async () => {
    const r = await cli(['upgrade', cluster.file, '--to', STABLE, '--yes']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toContain('copying k3s (sha256 checked)');
    expect(r.stdout).toContain('node/u3s1 cordoned');
    expect(r.stdout).toMatch(/NAME\s+STATUS\s+ROLES\s+VERSION[^\n]*\nu3a1\s+Ready\s+\S+\s+v1\.33\.5\+k3s1/);
    expect(await nodes()).toEqual([`u3a1 ${STABLE} Ready`, `u3s1 ${STABLE} Ready`]);
  });

  it('refuses a folder that holds another release, before the node is touched', async () => {
    const r = await cli(['upgrade', cluster.file, '--to', LATEST, '--yes']);
    expect(r.code, r.all).toBe(1);
    expect(r.stderr).toContain(`is K3s ${STABLE}, not ${LATEST}. Put the air-gap files of ${LATEST} in`);
    expect(r.stdout).not.toContain('node/u3s1 cordoned');
    expect(await nodes()).toEqual([`u3a1 ${STABLE} Ready`, `u3s1 ${STABLE} Ready`]);
  });
});
