import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFacts } from '../../../test-support/shared/spec';
import { captureIo } from '../../../test-support/cli-io';
import { runCli } from '../program';

const io = () => captureIo();

describe('k3s-wizard init and plan', () => {
  it('init writes a starter file that plan accepts, and refuses to overwrite it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-init-'));
    const file = join(dir, 'cluster.yaml');
    expect(await runCli(['init', file, '--name', 'garage'], io().value)).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('name: garage');
    const again = io();
    expect(await runCli(['init', file], again.value)).toBe(2);
    expect(again.err()).toContain('exists already');

    const cli = io();
    expect(await runCli(['plan', file], cli.value)).toBe(0);
    expect(cli.out()).toContain('Plan for cluster garage');
    expect(cli.err()).toContain('warning: ');
  });

  it('prints json and sh, and uses facts keyed by address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-plan-'));
    const file = join(dir, 'cluster.yaml');
    await runCli(['init', file], io().value);
    const facts = join(dir, 'facts.json');
    writeFileSync(
      facts,
      JSON.stringify({
        '192.168.1.10': makeFacts('192.168.1.10'),
        pi2: makeFacts('192.168.1.11', {}, 'arm64'),
      }),
    );
    const json = io();
    expect(await runCli(['plan', file, '--facts', facts, '--format', 'json'], json.value)).toBe(0);
    const plan = JSON.parse(json.out()) as { steps: { id: string }[] };
    expect(plan.steps.map((s) => s.id)).toContain('install:pi2');
    expect(json.err()).toBe('');
    const sh = io();
    expect(await runCli(['plan', file, '--format', 'sh'], sh.value)).toBe(0);
    expect(sh.out()).toMatch(/^#!\/bin\/sh/);
  });

  it('an invalid spec is a usage error listing every problem with its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-bad-'));
    const file = join(dir, 'cluster.yaml');
    writeFileSync(
      file,
      'apiVersion: k3s-wizard/v1\nkind: Cluster\nname: lab\nnodes:\n  - { address: 10.0.0.1, user: pi, role: server, nodeName: A }\n  - { address: 10.0.0.2, user: pi, role: server, nodeName: b }\n',
    );
    const cli = io();
    expect(await runCli(['plan', file], cli.value)).toBe(2);
    expect(cli.err()).toContain(`error: ${file}:5: nodes[0].nodeName: “A” is not a valid node name`);
    // an even number of servers is a warning (K3s runs it), listed beside the error
    expect(cli.err()).toContain(`warning: ${file}:4: nodes: There are 2 servers`);
  });

  it('bad facts and a bad format are usage errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-facts-'));
    const file = join(dir, 'cluster.yaml');
    await runCli(['init', file], io().value);
    writeFileSync(join(dir, 'f.json'), JSON.stringify({ nobody: makeFacts('10.0.0.1') }));
    const cli = io();
    expect(await runCli(['plan', file, '--facts', join(dir, 'f.json')], cli.value)).toBe(2);
    expect(cli.err()).toContain('“nobody” is neither a node name nor an address');
    expect(await runCli(['plan', file, '--format', 'yaml'], io().value)).toBe(2);
  });
});
