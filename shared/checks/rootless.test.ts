import { describe, expect, it } from 'vitest';
import { makeFacts, makeSpec, node } from '../../test-support/shared/spec';
import { buildPlan, buildUninstallPlan, readyCheckNodes } from '../plan';
import { requiredPorts } from '../ports';
import { parseFacts } from '../probe/parse';
import { rootlessHostPort, validateSpec } from '../spec';
import { rootlessChecks } from './rootless';

const ready = {
  user: 'pi',
  uid: 1000,
  delegated: ['cpu', 'cpuset', 'io', 'memory', 'pids'],
  subuids: 65536,
  subgids: 65536,
  linger: true,
  userManager: true,
  uidmap: true,
};

describe('rootless servers', () => {
  it('pass on pure cgroup v2 with delegation, subordinate ids, lingering and newuidmap', () => {
    const checks = rootlessChecks(makeFacts('10.0.0.1', { rootless: ready }));
    expect(checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      'rootless-cgroup pass',
      'rootless-delegation pass',
      'rootless-subids pass',
      'rootless-linger pass',
      'rootless-uidmap pass',
    ]);
  });

  it('fail on hybrid or v1 cgroups, and on each missing piece, with the fix', () => {
    const facts = makeFacts('10.0.0.1', {
      cgroup: { version: 1, memory: true, hybrid: true },
      rootless: {
        ...ready,
        delegated: ['cpu', 'memory', 'pids'],
        subuids: 0,
        linger: false,
        userManager: false,
        uidmap: false,
      },
    });
    const failed = rootlessChecks(facts).filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.id)).toEqual([
      'rootless-cgroup',
      'rootless-delegation',
      'rootless-subids',
      'rootless-linger',
      'rootless-uidmap',
    ]);
    expect(failed[0]!.reason).toContain('cgroup v1 and v2 side by side (hybrid)');
    expect(failed.map((c) => (c.fix?.kind === 'command' ? c.fix.command : ''))).toEqual([
      expect.stringContaining('systemd.unified_cgroup_hierarchy=1') as unknown,
      "sudo mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf && sudo systemctl daemon-reload",
      'sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 pi',
      'sudo loginctl enable-linger pi',
      'sudo apt-get install -y uidmap',
    ]);
  });

  it('the plan refuses a server whose machine cannot run rootless, then installs one that can as its user', () => {
    const spec = makeSpec([node('s1', '10.0.0.1', 'server', { rootless: true })]);
    const hybrid = buildPlan(spec, {
      s1: makeFacts('10.0.0.1', { cgroup: { version: 1, memory: true, hybrid: true }, rootless: ready }),
    });
    expect(hybrid.ok).toBe(false);
    expect(
      hybrid.ok ? [] : hybrid.issues.filter((i) => i.severity === 'error').map((i) => i.message),
    ).toEqual([
      expect.stringMatching(
        /^s1: The machine runs cgroup v1 and v2 side by side \(hybrid\).* Fix: sudo sed/,
      ) as unknown,
    ]);
    const fine = buildPlan(spec, { s1: makeFacts('10.0.0.1', { rootless: ready }) });
    expect(fine.ok ? [] : fine.issues.filter((i) => i.severity === 'error').map((i) => i.message)).toEqual(
      [],
    );
    if (!fine.ok) return;
    const install = fine.plan.steps.find((s) => s.id === 'install:s1')!;
    const actions = install.actions.map((a) => `${a.kind === 'exec' && a.sudo ? 'root' : 'user'}: ${a.what}`);
    expect(actions).toEqual([
      'user: check the free disk space K3s needs',
      'root: create k3s-wizard’s folder',
      expect.stringMatching(/^root: download the install script/) as unknown,
      'root: install the K3s binary with the install script (its root service is not enabled)',
      'user: write the K3s settings to ~/.config/k3s/config.yaml (0600, as pi)',
      'user: write the user unit ~/.config/systemd/user/k3s-rootless.service (fuse-overlayfs where installed, else the native snapshotter)',
      'user: enable and start k3s-rootless as pi (systemctl --user)',
      'user: wait until the Kubernetes API answers on https://127.0.0.1:16443',
    ]);
    const script = install.actions[3]!;
    expect(script.kind === 'exec' && script.command).toMatch(
      /^env INSTALL_K3S_EXEC=server .*INSTALL_K3S_SKIP_ENABLE=true sh \/var\/lib\/k3s-wizard\/install\.sh$/,
    );
    const unit = install.actions[5]!;
    expect(unit.kind === 'exec' && unit.command).toContain(
      'ExecStart=/usr/local/bin/k3s server --rootless --snapshotter=fuse-overlayfs --config=%h/.config/k3s/config.yaml',
    );
    expect(unit.kind === 'exec' && unit.command).toContain('--snapshotter=native');
    expect(install.alreadyDone).toMatchObject({ sudo: false });
    expect(install.alreadyDone?.command).toContain('systemctl --user is-active --quiet');
    // the host address is in the certificate: the node IP is the namespace's own
    const config = install.actions[4]!;
    expect(
      config.kind === 'exec' && config.stdin?.map((p) => ('text' in p ? p.text : '')).join(''),
    ).toContain('tls-san:\n  - 10.0.0.1\n');
    // kubeconfig from the user's home, pointing at the port the host binds
    const creds = fine.plan.steps.find((s) => s.id === 'credentials:kubeconfig')!;
    expect(creds.actions).toMatchObject([
      { kind: 'read-secret', path: '~/.kube/k3s.yaml', sudo: false },
      { kind: 'save-kubeconfig', server: 'https://10.0.0.1:16443' },
    ]);
    // verify as the user, through the same kubeconfig and port
    const verify = fine.plan.steps.find((s) => s.id === 'verify:cluster')!;
    for (const a of verify.actions) {
      expect(a).toMatchObject({ kind: 'wait-for', check: { sudo: false } });
      expect(a.kind === 'wait-for' && a.check.command).toContain('https://127.0.0.1:16443');
    }
    expect(
      readyCheckNodes(verify.actions[0]!.kind === 'wait-for' ? verify.actions[0]!.check.command : ''),
    ).toEqual(['s1']);
    // the firewall opens the port that is reachable, and removal knows the user unit
    expect(requiredPorts(spec, spec.nodes[0]!).find((r) => r.id === 'api')).toMatchObject({
      from: 16443,
      to: 16443,
    });
    const remove = buildUninstallPlan(spec).steps.find((s) => s.id === 'uninstall:s1')!;
    expect(remove.actions[0]).toMatchObject({ kind: 'exec', sudo: false });
    expect(remove.actions[0]!.kind === 'exec' && remove.actions[0]!.command).toContain(
      'systemctl --user disable --now',
    );
    expect(remove.alreadyDone?.command).toContain('.config/systemd/user/k3s-rootless.service');
  });

  it('refuses root as the rootless user', () => {
    const checks = rootlessChecks(makeFacts('10.0.0.1', { rootless: { ...ready, user: 'root', uid: 0 } }));
    expect(checks.find((c) => c.id === 'rootless-user')).toMatchObject({ status: 'fail' });
  });

  it('says what does not work rootless before install, and the port rules', () => {
    const multi = makeSpec([
      node('s1', '10.0.0.1', 'server', { rootless: true }),
      node('a1', '10.0.0.2', 'agent', { rootless: true }),
    ]);
    const messages = validateSpec(multi).map((i) => `${i.severity} ${i.path}: ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(
        /^error nodes\[0\]\.rootless: A rootless server runs alone: .*cannot join it/,
      ) as unknown,
      'warning nodes[0].rootless: Rootless s1: the API port 6443 is reached on the host at 16443; LoadBalancer services below port 1024 are bound on the host 10000 higher (80 → 10080, 443 → 10443), others unchanged; only LoadBalancer services are bound on the host, NodePorts are not reachable from outside.',
      'error nodes[1].rootless: a1 is an agent: rootless mode is for a single server (k3s server --rootless). Remove rootless or make it the server.',
    ]);
    expect([80, 443, 1023, 1024, 6443, 8080].map(rootlessHostPort)).toEqual([
      10080, 10443, 11023, 1024, 16443, 8080,
    ]);
  });

  it('the probe reads the login user’s side and tells hybrid from pure v2', () => {
    const out = [
      '@@uid',
      '0',
      '@@cgroup-fs',
      'tmpfs',
      '@@cgroup-unified',
      'cgroup2fs',
      '@@rootless',
      'user lab',
      'uid 1000',
      'delegated cpu memory pids',
      'subuid lab:100000:65536',
      'subgid ',
      'linger no',
      'manager inactive',
      'uidmap no',
    ].join('\n');
    const facts = parseFacts(out, { localClockMs: Date.UTC(2026, 0, 1), sudo: 'root' });
    expect(facts.cgroup.hybrid).toBe(true);
    expect(facts.rootless).toEqual({
      user: 'lab',
      uid: 1000,
      delegated: ['cpu', 'memory', 'pids'],
      subuids: 65536,
      subgids: 0,
      linger: false,
      userManager: false,
      uidmap: false,
    });
  });
});
