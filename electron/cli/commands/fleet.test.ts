// `k3s-wizard fleet` refuses bad input before logging in to anything, saying where and what to do.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetToYaml, starterPreset } from '../../../shared/fleet/preset';
import { captureIo } from '../../../test-support/cli-io';
import { runCli } from '../program';

function files(roster: string, preset: string = presetToYaml(starterPreset('c3b'))) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-cli-'));
  writeFileSync(join(dir, 'roster.csv'), roster);
  writeFileSync(join(dir, 'class.yaml'), preset);
  return { roster: join(dir, 'roster.csv'), preset: join(dir, 'class.yaml') };
}

async function fleet(args: string[]) {
  const io = captureIo();
  const code = await runCli(['fleet', ...args], io.value);
  return { code, out: io.out(), err: io.err() };
}

describe('k3s-wizard fleet, before any login', () => {
  it('names each bad line of the roster and does nothing', async () => {
    const f = files('address,group\n10.0.0.1,a\n10.0.0.2\n10.0.0.3,Bad Group\n');
    const r = await fleet([f.roster, '--preset', f.preset, '--yes']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f.roster}:3: Line 3: expected address,group`);
    expect(r.err).toContain(`${f.roster}:4: Line 4: the group “Bad Group”`);
    expect(r.err).toContain('nothing was done');
  });

  it('names what is wrong in the preset', async () => {
    const f = files(
      '10.0.0.1,a\n',
      'apiVersion: k3s-wizard/v1\nkind: ClassroomPreset\nname: c\nnaming: pi\n',
    );
    const r = await fleet([f.roster, '--preset', f.preset, '--yes']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/naming: The naming scheme needs <n>/);
  });

  it('a roster without groups needs a number of clusters; an unknown --only is named', async () => {
    const f = files('10.0.0.1\n10.0.0.2\n');
    const plain = join(f.roster.replace(/roster\.csv$/, ''), 'roster.txt');
    writeFileSync(plain, '10.0.0.1-4\n');
    const none = await fleet([plain, '--preset', f.preset, '--yes']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/how many clusters to make \(--clusters N/);
    const only = await fleet([plain, '--preset', f.preset, '--clusters', '2', '--only', 'c3b-z', '--yes']);
    expect(only.code).toBe(2);
    expect(only.err).toContain('No cluster or machine c3b-z; the clusters are c3b-a, c3b-b.');
    const machine = await fleet([plain, '--preset', f.preset, '--clusters', '2', '--only', 'pi-b-2']);
    expect(machine.out).toContain('c3b: 1 clusters, 2 machines');
    expect(machine.out).toContain('c3b-b: pi-b-1 10.0.0.3 (server), pi-b-2 10.0.0.4');
  });

  it('asks for --yes when it cannot ask, after showing the clusters', async () => {
    const f = files('address,group\n10.0.0.1,a\n10.0.0.2,a\n');
    const r = await fleet([f.roster, '--preset', f.preset]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('c3b-a: pi-a-1 10.0.0.1 (server), pi-a-2 10.0.0.2');
    expect(r.err).toMatch(/Add --yes/);
    const reset = await fleet([f.roster, '--preset', f.preset, '--reset', 'everything']);
    expect(reset.code).toBe(2);
    expect(reset.err).toContain('--reset takes "uninstall" or "namespaces"');
  });
});

describe('k3s-wizard fleet preset paths', () => {
  it('an air-gap folder relative to the preset is looked for next to it', async () => {
    const f = files(
      'address,group\n10.0.0.1,a\n',
      presetToYaml({ ...starterPreset('c3b'), install: { source: 'airgap', folder: './artifacts' } }),
    );
    const { loadFleet } = await import('./fleet');
    const io = captureIo();
    const loaded = loadFleet({ rosterFile: f.roster, presetFile: f.preset, io: io.value });
    const install = loaded.specs[0]?.install;
    expect(install?.source === 'airgap' && install.folder).toBe(join(dirname(f.preset), 'artifacts'));
  });
});
