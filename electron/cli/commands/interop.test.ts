import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { captureIo } from '../../../test-support/cli-io';
import { EXIT } from '../exit-codes';
import { runCli } from '../program';

const dir = mkdtempSync(join(tmpdir(), 'k3sw-interop-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
async function cli(...args: string[]) {
  const io = captureIo();
  const code = await runCli(args, io.value);
  return { code, out: io.out(), err: io.err() };
}

describe('k3s-wizard export / import --format k3s-ansible', () => {
  it('exports a cluster file as an inventory and imports it back as a cluster file plan accepts', async () => {
    const cluster = file(
      'cluster.yaml',
      'apiVersion: k3s-wizard/v1\nkind: Cluster\nname: lab\nk3s: { version: v1.33.5+k3s1 }\nnodes:\n  - { address: 10.0.0.10, user: pi, role: server, nodeName: srv }\n  - { address: 10.0.0.11, user: pi, role: agent, nodeName: a1 }\n',
    );
    const exported = await cli('export', cluster, '--format', 'k3s-ansible');
    expect(exported.code, exported.err).toBe(EXIT.OK);
    expect(parse(exported.out)).toMatchObject({
      k3s_cluster: {
        children: { server: { hosts: { '10.0.0.10': {} } } },
        vars: { k3s_version: 'v1.33.5+k3s1' },
      },
    });
    expect(exported.err).toContain('note: Set token yourself');

    const inventory = file('inventory.yml', exported.out);
    const imported = await cli('import', inventory, '--format', 'k3s-ansible', '--name', 'lab');
    expect(imported.code, imported.err).toBe(EXIT.OK);
    const back = file('back.yaml', imported.out);
    const plan = await cli('plan', back);
    expect(plan.code, plan.err).toBe(EXIT.OK);
    expect(plan.out).toContain('srv');
    expect(plan.out).toContain('a1');
  });

  it('an unknown format or a file that is not an inventory is a usage error that says why', async () => {
    const cluster = file('c.yaml', 'apiVersion: k3s-wizard/v1\nkind: Cluster\nname: x\nnodes: []\n');
    const bad = await cli('export', cluster, '--format', 'ansible-tower');
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.err).toContain('--format must be one of k3s-ansible');
    const ini = await cli('import', file('hosts.ini', '[server]\n10.0.0.1\n'), '--format', 'k3s-ansible');
    expect(ini.code).toBe(EXIT.USAGE);
    expect(ini.err).toContain('ansible-inventory -i hosts.ini --list -y');
    const token = await cli(
      'import',
      file(
        't.yml',
        'k3s_cluster:\n  children:\n    server: { hosts: { 10.0.0.1: } }\n  vars: { token: hunter2-secret }\n',
      ),
      '--format',
      'k3s-ansible',
    );
    expect(token.code).toBe(EXIT.OK);
    expect(token.out).not.toContain('hunter2-secret');
    expect(token.err).not.toContain('hunter2-secret');
    expect(token.err).toContain('Left out on purpose');
  });
});
