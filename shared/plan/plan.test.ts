import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { HostFacts } from '../facts';
import { makeFacts, makeSpec, node, zone } from '../../test-support/shared/spec';
import { FACTS_SCRIPT } from '../probe/script';
import {
  buildPlan,
  doneFromFacts,
  installScriptCommand,
  runsInstallScript,
  versionRecord,
  installDone,
  fillTemplate,
  nodeConfig,
  planToScript,
  planToText,
  sha256Hex,
  type InstallDone,
  type Plan,
  type PlanAction,
} from '.';

/** The K3s facts of a machine whose K3s runs in `role`, read as root. */
function installed(role: 'server' | 'agent'): HostFacts['k3s'] {
  return {
    installed: true,
    version: 'v1.33.5+k3s1',
    role,
    serviceState: 'active',
    hasConfig: true,
    configSha256: null,
    nodePassword: true,
  };
}

function plan(...args: Parameters<typeof buildPlan>): Plan {
  const result = buildPlan(...args);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return result.plan;
}

const commands = (p: Plan, host: string) =>
  p.steps
    .filter((s) => s.host === host)
    .flatMap((s) => s.actions)
    .flatMap((a: PlanAction) =>
      a.kind === 'exec'
        ? [a.command]
        : a.kind === 'upload'
          ? [`upload ${a.localFile} -> ${a.remotePath}`]
          : [],
    );

const FAKE_TOKEN = 'K10aaaaaaaaaaaaaaaaaaaa::server:bbbbbbbb';

describe('install plan', () => {
  it('single server', () => {
    const p = plan(makeSpec([node('s1', '10.0.0.1', 'server')], { k3s: { version: 'v1.33.5+k3s1' } }), {
      s1: makeFacts('10.0.0.1'),
    });
    expect(p.steps.map((s) => s.id)).toEqual(['install:s1', 'credentials:kubeconfig', 'verify:cluster']);
    expect(planToText(p)).toMatchSnapshot();
  });

  it('one server and agents in parallel', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.1', 'server'),
      node('a1', '10.0.0.2', 'agent'),
      node('a2', '10.0.0.3', 'agent'),
    ]);
    const p = plan(spec, {});
    const byId = Object.fromEntries(p.steps.map((s) => [s.id, s]));
    expect(byId['install:a1']?.dependsOn).toEqual(['credentials:token']);
    expect(byId['install:a2']?.dependsOn).toEqual(['credentials:token']);
    expect(byId['install:a1']?.secrets).toEqual(['token']);
    expect(p.issues).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/^Not probed: s1, a1, a2/) as unknown }),
    );
    expect(planToText(p)).toMatchSnapshot();
  });

  it('three HA servers: cluster-init, then joins one at a time; firewalld and a Pi on the way', () => {
    const spec = makeSpec(
      [node('s1', '10.0.0.1', 'server'), node('s2', '10.0.0.2', 'server'), node('s3', '10.0.0.3', 'server')],
      {
        networking: { tlsSans: ['k3s.lab.example'] },
      },
    );
    const fw: HostFacts['firewall'] = {
      kind: 'firewalld',
      firewalldActive: true,
      ufwActive: false,
      firewalld: {
        defaultZone: 'public',
        zones: [zone('public', { interfaces: ['eth0'], services: ['ssh'] })],
      },
      ufw: null,
      rawRuleCount: 0,
    };
    const facts = {
      s1: makeFacts('10.0.0.1', { firewall: fw }),
      s2: makeFacts(
        '10.0.0.2',
        {
          raspberryPi: { model: 'Raspberry Pi 4 Model B Rev 1.4', cmdlinePath: '/boot/firmware/cmdline.txt' },
          cgroup: { version: 2, memory: false },
        },
        'arm64',
      ),
      s3: makeFacts('10.0.0.3'),
    };
    const p = plan(spec, facts);
    const byId = Object.fromEntries(p.steps.map((s) => [s.id, s]));
    expect(byId['install:s1']?.title).toBe('Install K3s server (starts embedded etcd)');
    expect(byId['install:s2']?.dependsOn).toEqual(['credentials:token', 'install:s1', 'prepare:s2:cgroup']);
    expect(byId['install:s3']?.dependsOn).toEqual(['credentials:token', 'install:s2']);
    expect(byId['install:s1']?.dependsOn).toEqual(['prepare:s1:firewall']);
    expect(byId['prepare:s2:cgroup']?.actions.map((a) => a.kind)).toEqual([
      'exec',
      'reboot-and-wait',
      'wait-for',
    ]);
    expect(planToText(p)).toMatchSnapshot();
  });

  it('air-gap with mixed architectures picks each binary and its checksum', () => {
    const spec = makeSpec(
      [
        node('s1', '10.0.0.1', 'server'),
        node('a1', '10.0.0.2', 'agent'),
        node('a2', '10.0.0.3', 'agent'),
        node('a3', '10.0.0.4', 'agent', { arch: 'arm64' }),
      ],
      { k3s: { version: 'v1.33.5+k3s1' }, install: { source: 'airgap', folder: '/srv/k3s' } },
    );
    const facts = {
      s1: makeFacts('10.0.0.1'),
      a1: makeFacts('10.0.0.2', {}, 'arm64'),
      a2: makeFacts('10.0.0.3', {}, 'arm'),
    };
    const sha = (n: number) => String(n).repeat(64);
    const airgap = {
      files: [
        'install.sh',
        'k3s',
        'k3s-arm64',
        'k3s-armhf',
        'k3s-airgap-images-amd64.tar.zst',
        'k3s-airgap-images-arm64.tar.zst',
        'k3s-airgap-images-arm.tar.gz',
      ],
      sha256: {
        k3s: sha(1),
        'k3s-arm64': sha(2),
        'k3s-armhf': sha(3),
        'k3s-airgap-images-amd64.tar.zst': sha(4),
        'k3s-airgap-images-arm64.tar.zst': sha(5),
      },
    };
    const p = plan(spec, facts, { airgap });
    expect(commands(p, 's1')).toContain('upload /srv/k3s/k3s -> /usr/local/bin/k3s');
    expect(commands(p, 'a1')).toContain('upload /srv/k3s/k3s-arm64 -> /usr/local/bin/k3s');
    expect(commands(p, 'a2')).toContain('upload /srv/k3s/k3s-armhf -> /usr/local/bin/k3s');
    expect(commands(p, 'a2')).toContain(
      'upload /srv/k3s/k3s-airgap-images-arm.tar.gz -> /var/lib/rancher/k3s/agent/images/k3s-airgap-images-arm.tar.gz',
    );
    expect(commands(p, 'a3')).toContain('upload /srv/k3s/k3s-arm64 -> /usr/local/bin/k3s');
    // The install script's run, then the version noted.
    expect(commands(p, 'a1').at(-1)).toBe(versionRecord().command);
    expect(commands(p, 'a1').at(-2)).toBe(
      'env INSTALL_K3S_EXEC=agent INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_SKIP_SELINUX_RPM=true INSTALL_K3S_FORCE_RESTART=true sh /var/lib/k3s-wizard/install.sh',
    );
    const step = p.steps.find((s) => s.id === 'install:a2');
    expect(step?.notes).toContain(
      'No checksum for k3s-airgap-images-arm.tar.gz in /srv/k3s: it is copied unverified.',
    );
    // Every file is checked once, here, before any install step may upload.
    const check = p.steps[0];
    expect(check?.id).toBe('prepare:airgap-files');
    const files = check?.actions.flatMap((a) => (a.kind === 'check-files' ? a.files : [])) ?? [];
    expect(files.map((f) => f.localFile).sort()).toEqual([...new Set(files.map((f) => f.localFile))].sort());
    expect(files).toContainEqual({ localFile: '/srv/k3s/k3s-arm64', sha256: sha(2) });
    for (const s of p.steps.filter((s) => s.id.startsWith('install:')))
      expect(s.dependsOn).toContain('prepare:airgap-files');
    expect(planToText(p)).toMatchSnapshot();
  });

  it('air-gap refuses a machine of unknown architecture and a missing file', () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')], {
      install: { source: 'airgap', folder: '/srv/k3s' },
    });
    const result = buildPlan(
      spec,
      { s1: makeFacts('10.0.0.1', {}, 'arm') },
      { airgap: { files: ['install.sh', 'k3s'], sha256: {} } },
    );
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        'install.folder: /srv/k3s has no k3s-armhf, which s1 (arm) needs.',
        'nodes[1].arch: An air-gap install needs to know which K3s binary a1 runs: probe the machine or set arch (amd64, arm64 or arm).',
      ]),
    );
  });

  it('blocks on what the facts forbid', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.1', 'server'),
      node('a1', '10.0.0.2', 'agent', { nodeIp: '10.0.0.9' }),
    ]);
    const result = buildPlan(spec, {
      s1: makeFacts('10.0.0.1', {
        k3s: {
          installed: true,
          version: 'v1.30.0+k3s1',
          role: 'agent',
          serviceState: 'active',
          hasConfig: true,
          configSha256: null,
          nodePassword: null,
        },
      }),
      a1: makeFacts('10.0.0.2', { k3sArch: null, kernelArch: 'armv6l', userlandArch: 'armhf' }),
    });
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual([
      'nodes[0].role',
      'nodes[1]',
      'nodes[1].nodeIp',
    ]);
  });

  it('never puts the token in a command line or in the plan itself', () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')]);
    const p = plan(spec, {});
    const json = JSON.stringify(p);
    expect(json).not.toMatch(/K3S_TOKEN|K10/);
    const write = p.steps.find((s) => s.id === 'install:a1')?.actions.find((a) => a.kind === 'write-file');
    if (write?.kind !== 'write-file') throw new Error('no config written');
    expect(parse(fillTemplate(write.content, { token: FAKE_TOKEN }))).toMatchObject({ token: FAKE_TOKEN });
    expect(planToText(p)).toContain('token: ••••••');
    expect(planToText(p, { reveal: true, secrets: { token: FAKE_TOKEN } })).toContain(FAKE_TOKEN);
  });

  it('writes any token into config.yaml through the YAML library, quotes and backslashes included', () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')]);
    const write = plan(spec, {})
      .steps.find((s) => s.id === 'install:a1')
      ?.actions.find((a) => a.kind === 'write-file');
    if (write?.kind !== 'write-file') throw new Error('no config written');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (secret) => {
        const token = `K10abc::server:${secret}`;
        const text = fillTemplate(write.content, { token });
        const parsed = parse(text) as Record<string, unknown>;
        expect(parsed.token).toBe(token);
        expect(parsed['node-name']).toBe('a1');
        // The re-run check hashes the file without its token line: the token stays on one line.
        expect(text.split('\n').filter((l) => l.startsWith('token:'))).toHaveLength(1);
      }),
    );
    for (const token of ['K10x::server:a"b', 'K10x::server:a\\b\\', "K10x::server:'#: -"]) {
      expect((parse(fillTemplate(write.content, { token })) as Record<string, unknown>).token).toBe(token);
    }
  });

  it('the script export is valid sh and reads the token from a variable', () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')]);
    const script = planToScript(plan(spec, {}));
    expect(script).toContain('token: "${K3S_TOKEN_YAML}"');
    execFileSync('/bin/sh', ['-n', '-c', script]);
    // The agent's config section, run with `cat` for sudo: the token comes back through YAML intact.
    const lines = script.split('\n');
    const start = lines.findIndex((l) => l.startsWith('K3S_TOKEN_YAML='));
    const end = lines.indexOf('EOF', start);
    const section = lines
      .slice(start, end + 1)
      .join('\n')
      .replace(/^sudo sh -c .*<<EOF$/m, 'cat <<EOF');
    for (const token of ['K10x::server:a"b\\c\\', "K10x::server:$(id)'`x`#: -", FAKE_TOKEN]) {
      const written = execFileSync('/bin/sh', ['-c', section], {
        env: { K3S_TOKEN: token },
        encoding: 'utf8',
      });
      expect((parse(written) as Record<string, unknown>).token).toBe(token);
    }
  });
});

/** The config.yaml of the spec's second node, an agent joining its first, written with a token. */
function writtenAgentConfig(spec: ReturnType<typeof makeSpec>): {
  config: ReturnType<typeof nodeConfig>;
  file: string;
} {
  const config = nodeConfig(spec, spec.nodes[1]!, {
    facts: null,
    joinUrl: 'https://10.0.0.1:6443',
    clusterInit: false,
  });
  const file = join(mkdtempSync(join(tmpdir(), 'k3sw-cfg-')), 'config.yaml');
  writeFileSync(file, fillTemplate(config.content, { token: FAKE_TOKEN }));
  return { config, file };
}

describe('config.yaml and its re-run check', () => {
  it('sha256 matches node:crypto for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 300 },
    );
    expect(sha256Hex('x'.repeat(1000))).toBe(createHash('sha256').update('x'.repeat(1000)).digest('hex'));
  });

  it('the check hashes the written file without its token line exactly as the plan does', () => {
    const spec = makeSpec([
      node('s1', '10.0.0.1', 'server'),
      node('a1', '10.0.0.2', 'agent', {
        labels: { 'example.com/zone': 'a' },
        taints: ['gpu=true:NoSchedule'],
      }),
    ]);
    const { config, file } = writtenAgentConfig(spec);
    const hash = execFileSync(
      '/bin/sh',
      ['-c', `grep -v '^token:' "$1" | sha256sum | cut -d' ' -f1`, 'x', file],
      { encoding: 'utf8' },
    ).trim();
    expect(hash).toBe(config.settingsHash);
    expect(config.settings).toMatchInlineSnapshot(`
      "# Written by k3s-wizard for cluster lab; replaced on the next run.
      node-name: a1
      node-label:
        - example.com/zone=a
      node-taint:
        - gpu=true:NoSchedule
      server: https://10.0.0.1:6443
      "
    `);
  });

  it('the facts script hashes the written file as the check does, and the facts then say it is done', () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')]);
    const { config, file } = writtenAgentConfig(spec);
    // The facts script's own line, pointed at this file.
    const line = FACTS_SCRIPT.split('\n').find((l) => l.includes('config-sha256'));
    expect(line).toBeDefined();
    const printed = execFileSync(
      '/bin/sh',
      ['-c', (line ?? '').replaceAll('/etc/rancher/k3s/config.yaml', file)],
      {
        encoding: 'utf8',
      },
    );
    const k3s = {
      ...installed('agent'),
      configSha256: /^config-sha256 ([0-9a-f]{64})$/m.exec(printed)?.[1] ?? null,
    };
    const done = installDone(spec, spec.nodes[1]!, config);
    expect(done).toEqual({ configSha256: config.settingsHash, unit: 'k3s-agent', version: null });
    expect(doneFromFacts(done, makeFacts('10.0.0.2', { k3s }), true)).toEqual({
      done: true,
      hasIdentity: true,
    });
  });

  it('what the facts cannot tell is asked on the machine; what they can is not', () => {
    const done: InstallDone = { configSha256: 'c'.repeat(64), unit: 'k3s-agent', version: null };
    const facts = (k3s: Partial<HostFacts['k3s']>, more: Partial<HostFacts> = {}) =>
      makeFacts('10.0.0.2', {
        k3s: { ...installed('agent'), configSha256: done.configSha256, ...k3s },
        ...more,
      });
    const answer = (f: HostFacts | undefined, joining = true, want = done) => doneFromFacts(want, f, joining);
    expect(answer(facts({}))).toEqual({ done: true, hasIdentity: true });
    // Read without root (no node password looked for), not read at all, another init, another unit.
    expect(answer(facts({ nodePassword: null }))).toBeNull();
    expect(answer(undefined)).toBeNull();
    expect(answer(facts({}, { init: 'openrc' }))).toBeNull();
    expect(answer(facts({ role: 'server' }))).toBeNull();
    expect(answer(facts({ serviceState: null }))).toBeNull();
    expect(answer(facts({ configSha256: null }))).toBeNull();
    expect(answer(facts({}), true, { ...done, version: 'v1.33.5+k3s1' })).toEqual({
      done: true,
      hasIdentity: true,
    });
    expect(answer(facts({ version: null }), true, { ...done, version: 'v1.33.5+k3s1' })).toBeNull();
    // Known not done: no config, another config, stopped, another release.
    expect(answer(facts({ hasConfig: false, configSha256: null, nodePassword: false }))).toEqual({
      done: false,
      hasIdentity: false,
    });
    expect(answer(facts({ configSha256: 'd'.repeat(64) }))).toEqual({ done: false, hasIdentity: true });
    expect(answer(facts({ serviceState: 'inactive' }))).toEqual({ done: false, hasIdentity: true });
    expect(answer(facts({}), true, { ...done, version: 'v1.34.1+k3s1' })).toEqual({
      done: false,
      hasIdentity: true,
    });
    // A first server has no node identity to keep.
    expect(answer(facts({ nodePassword: false, role: 'server' }), false, { ...done, unit: 'k3s' })).toEqual({
      done: true,
      hasIdentity: true,
    });
  });

  it('asks old iptables to be replaced by the bundled one', () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server')]);
    const facts = makeFacts('10.0.0.1', { iptables: { version: '1.8.4', backend: 'legacy' } });
    expect(nodeConfig(spec, spec.nodes[0]!, { facts, joinUrl: null, clusterInit: false }).settings).toContain(
      'prefer-bundled-bin: true',
    );
  });
});

describe('the install script run', () => {
  it('is told apart from its download, whose URL may end in install.sh too', () => {
    expect(runsInstallScript(installScriptCommand({ INSTALL_K3S_EXEC: 'agent' }))).toBe(true);
    expect(runsInstallScript(installScriptCommand({ INSTALL_K3S_EXEC: 'agent --node-label a=b c' }))).toBe(
      true,
    );
    const plan = buildPlan(makeSpec([node('s1', '10.0.0.1', 'server'), node('a1', '10.0.0.2', 'agent')]), {});
    if (!plan.ok) throw new Error('no plan');
    const commands = plan.plan.steps.flatMap((s) =>
      s.actions.flatMap((a) => (a.kind === 'exec' ? [a.command] : [])),
    );
    const runs = commands.filter(runsInstallScript);
    // One run per machine; the download (…/install.sh /var/lib/k3s-wizard/install.sh) and the
    // agent's run before its token (not started) are not it.
    expect(runs).toHaveLength(2);
    expect(commands.some((c) => c.includes('fetch https://get.k3s.io') && runsInstallScript(c))).toBe(false);
    expect(runs.every((c) => !c.includes('INSTALL_K3S_SKIP_START'))).toBe(true);
  });
});
