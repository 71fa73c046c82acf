import { describe, expect, it } from 'vitest';
import { makeFacts } from '../../test-support/shared/spec';
import { assign, assignInto, fleetSpecs, moveMachine, nodeNameFor } from './assign';
import { describeFixes, fleetFixPlan } from './fixes';
import { parsePreset, presetToYaml, starterPreset, type Preset } from './preset';
import { MAX_FLEET, parseRoster, rosterFromCsv, rosterFromList } from './roster';

const preset = (over: Record<string, unknown> = {}): Preset => {
  const parsed = parsePreset(presetToYaml({ ...starterPreset('c3b'), ...over }));
  if (!parsed.preset) throw new Error(JSON.stringify(parsed.issues));
  return parsed.preset;
};

describe('roster', () => {
  it('reads a CSV with header, quotes, comments, optional name and role', () => {
    const r = rosterFromCsv(
      '\uFEFFaddress,group,name,role\r\n# desk row 1\n10.0.0.1,a\n10.0.0.2 , a ,,server\n"10.0.0.3",b,"lab-3"\n\n',
    );
    expect(r.problems).toEqual([]);
    expect(r.machines).toEqual([
      { address: '10.0.0.1', group: 'a' },
      { address: '10.0.0.2', group: 'a', role: 'server' },
      { address: '10.0.0.3', group: 'b', name: 'lab-3' },
    ]);
  });

  it('names the line of every problem and keeps going', () => {
    const r = rosterFromCsv(
      '10.0.0.1\n10.0.0.2,Group A\n10.0.0.3,a,,boss\n"10.0.0.4,a\n10.0.0.5,a,x,agent,extra\nnot an address!,a',
    );
    expect(r.problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.problems[0]?.message).toMatch(/^Line 1: expected address,group/);
    expect(r.problems[1]?.message).toMatch(/group “Group A” must be/);
    expect(r.problems[2]?.message).toMatch(/role must be server or agent/);
    expect(r.problems[3]?.message).toMatch(/quoted field is not closed/);
  });

  it('refuses a machine listed twice and a fleet over the limit', () => {
    expect(rosterFromCsv('10.0.0.1,a\n10.0.0.1,b').problems[0]?.message).toMatch(/listed twice/);
    const many = Array.from(
      { length: MAX_FLEET + 1 },
      (_, i) => `10.0.${Math.floor(i / 200)}.${(i % 200) + 1},a`,
    );
    expect(rosterFromCsv(many.join('\n')).problems.at(-1)?.message).toMatch(/at most 100 at once/);
  });

  it('takes a pasted list or a bounded range, and .local names for the OS resolver', () => {
    const r = rosterFromList('192.168.1.10-12\npi@pi-07.local:2222');
    expect(r.problems).toEqual([]);
    expect(r.machines.map((m) => m.address)).toEqual([
      '192.168.1.10',
      '192.168.1.11',
      '192.168.1.12',
      'pi-07.local',
    ]);
    expect(r.machines[3]).toEqual({ address: 'pi-07.local', port: 2222, user: 'pi' });
    expect(rosterFromList('10.0.0.1-200').problems[0]?.message).toMatch(/at most 64 at once/);
  });

  it('is CSV by header or when asked, else a list', () => {
    expect(parseRoster('address,group\n10.0.0.1,a').machines[0]?.group).toBe('a');
    expect(parseRoster('10.0.0.1, 10.0.0.2').machines).toHaveLength(2);
    expect(parseRoster('10.0.0.1,a', { csv: true }).machines[0]?.group).toBe('a');
  });
});

describe('assignment', () => {
  const machines = Array.from({ length: 7 }, (_, i) => ({ address: `10.0.0.${i + 1}` }));

  it('splits into N balanced clusters in roster order, one server each', () => {
    const c = assignInto(machines, 3);
    expect(c.map((x) => x.machines.length)).toEqual([3, 2, 2]);
    expect(c.map((x) => x.group)).toEqual(['a', 'b', 'c']);
    expect(c.map((x) => x.machines.map((m) => m.role))).toEqual([
      ['server', 'agent', 'agent'],
      ['server', 'agent'],
      ['server', 'agent'],
    ]);
    expect(() => assignInto(machines, 8)).toThrow(/at least 8 machines/);
  });

  it('by group column; a machine marked server leads its cluster', () => {
    const c = assign(rosterFromCsv('10.0.0.1,x\n10.0.0.2,y\n10.0.0.3,x,,server').machines);
    expect(c.map((x) => [x.group, x.machines.map((m) => `${m.address}:${m.role}`)])).toEqual([
      ['x', ['10.0.0.3:server', '10.0.0.1:agent']],
      ['y', ['10.0.0.2:server']],
    ]);
    expect(() => assign(machines)).toThrow(/how many clusters/);
  });

  it('moves a machine; a cluster that loses its server gets a new one; an empty one goes', () => {
    const c = assignInto(machines.slice(0, 4), 2);
    const moved = moveMachine(c, '10.0.0.1', 'b', 0);
    expect(moved.map((x) => x.machines.map((m) => `${m.address}:${m.role}`))).toEqual([
      ['10.0.0.2:server'],
      ['10.0.0.3:server', '10.0.0.1:agent', '10.0.0.4:agent'],
    ]);
    const emptied = moveMachine(moved, '10.0.0.2', 'b');
    expect(emptied.map((x) => x.group)).toEqual(['b']);
    expect(() => moveMachine(c, '10.9.9.9', 'a')).toThrow(/not in the roster/);
  });

  it('makes one ordinary cluster spec per cluster, named by the scheme', () => {
    const specs = fleetSpecs(assignInto(machines.slice(0, 4), 2), preset());
    expect(specs.map((s) => s.name)).toEqual(['c3b-a', 'c3b-b']);
    expect(specs[0]?.nodes.map((n) => [n.nodeName, n.role, n.user])).toEqual([
      ['pi-a-1', 'server', 'pi'],
      ['pi-a-2', 'agent', 'pi'],
    ]);
    expect(specs[0]?.disable).toEqual(['traefik']);
    expect(nodeNameFor('<group>-desk<n>', 'b', 3)).toBe('b-desk3');
    const clash = rosterFromCsv('10.0.0.1,a,same\n10.0.0.2,b,same').machines;
    expect(() => fleetSpecs(assign(clash), preset())).toThrow(/both be called same/);
  });
});

describe('preset', () => {
  it('round-trips through YAML with defaults', () => {
    const p = preset({ clusters: 10 });
    expect(p.clusters).toBe(10);
    expect(p.handout).toEqual({ studentsPerCluster: 2, namespacePrefix: 'student', ttl: '2h' });
    expect(parsePreset(presetToYaml(p)).preset).toEqual(p);
  });

  it('says what is wrong, by path', () => {
    const bad = parsePreset(
      'apiVersion: k3s-wizard/v1\nkind: ClassroomPreset\nname: C!\nnaming: pi-x\nhandout: { ttl: tomorrow }\nwifi: 1\n',
    );
    expect(bad.preset).toBeNull();
    expect(bad.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['name', 'naming', 'handout.ttl', 'wifi']),
    );
    expect(parsePreset('a: [').issues[0]?.message).toMatch(/not valid YAML/);
  });
});

describe('fleet fixes', () => {
  const pi = (address: string, hostname = 'raspberrypi', machineId = 'cafe0001') =>
    makeFacts(address, {
      hostname,
      machineId,
      raspberryPi: { model: 'Raspberry Pi 4 Model B Rev 1.4', cmdlinePath: '/boot/firmware/cmdline.txt' },
      cgroup: { version: 2, memory: false },
    });

  it('renames, regenerates cloned machine-ids, turns on the memory cgroup, reboots in waves', () => {
    const specs = fleetSpecs(
      assignInto(
        Array.from({ length: 5 }, (_, i) => ({ address: `10.0.0.${i + 1}` })),
        2,
      ),
      preset(),
    );
    const facts = Object.fromEntries(specs.flatMap((s) => s.nodes).map((n) => [n.nodeName, pi(n.address)]));
    const fixes = fleetFixPlan({ name: 'c3b', specs, facts, rebootWave: 2 });
    expect(fixes.plan.steps.map((s) => s.host)).toEqual(['pi-a-1', 'pi-a-2', 'pi-a-3', 'pi-b-1', 'pi-b-2']);
    const first = fixes.plan.steps[0]!;
    expect(first.actions.map((a) => a.kind)).toEqual(['exec', 'exec', 'reboot-and-wait', 'wait-for']);
    const rename = first.actions[0];
    expect(rename?.kind === 'exec' && rename.sudo && rename.command).toContain('hostnamectl set-hostname');
    // the first holder of a shared id keeps it; every copy gets a new one
    expect(fixes.plan.steps[1]?.actions.map((a) => a.kind)).toEqual([
      'exec',
      'exec',
      'exec',
      'reboot-and-wait',
      'wait-for',
    ]);
    const regenerate = fixes.plan.steps[1]?.actions[1];
    expect(regenerate?.kind === 'exec' && regenerate.command).toContain('systemd-machine-id-setup');
    expect(fixes.plan.steps.map((s) => s.dependsOn.length)).toEqual([0, 0, 2, 2, 2]);
    expect(fixes.plan.steps[4]?.dependsOn).toEqual(['fleet-fix:pi-a-3', 'fleet-fix:pi-b-1']);
    expect(fixes.changes.map((c) => c.wave)).toEqual([1, 1, 2, 2, 3]);
    expect(describeFixes(fixes)[1]).toMatch(
      /^pi-a-2 \(10\.0\.0\.2\): host name raspberrypi → pi-a-2, new machine ID .*reboot \[reboot wave 1\]$/,
    );
    expect(first.alreadyDone?.command).toContain(`[ "$(hostname)" = pi-a-1 ]`);
    expect(fixes.unfixed).toEqual([]);
  });

  it('a fleet already fixed needs nothing; a copy of an id on a non-Pi still reboots', () => {
    const specs = fleetSpecs(assignInto([{ address: '10.0.0.1' }, { address: '10.0.0.2' }], 1), preset());
    const ok = fleetFixPlan({
      name: 'x',
      specs,
      facts: {
        'pi-a-1': makeFacts('10.0.0.1', { hostname: 'pi-a-1' }),
        'pi-a-2': makeFacts('10.0.0.2', { hostname: 'pi-a-2' }),
      },
      rebootWave: 5,
    });
    expect(ok.plan.steps).toEqual([]);
    expect(describeFixes(ok)[0]).toMatch(/Nothing to fix/);
    const cloned = fleetFixPlan({
      name: 'x',
      specs,
      facts: {
        'pi-a-1': makeFacts('10.0.0.1', { hostname: 'pi-a-1', machineId: 'same' }),
        'pi-a-2': makeFacts('10.0.0.2', { hostname: 'pi-a-2', machineId: 'same' }),
      },
      rebootWave: 5,
    });
    expect(cloned.plan.steps.map((s) => [s.host, s.actions.map((a) => a.kind)])).toEqual([
      ['pi-a-2', ['exec', 'reboot-and-wait']],
    ]);
  });
});
