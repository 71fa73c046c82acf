import { describe, expect, it } from 'vitest';
import {
  fitsInQr,
  handoutNamespaces,
  QR_MAX_BYTES,
  resetNamespacesOf,
  resetWarning,
  utf8Bytes,
} from './handout';
import { parsePreset, presetToYaml, starterPreset, type Preset } from './preset';
import { formFromText, textFromForm } from './preset-form';

const preset = (over: Record<string, unknown> = {}): Preset => {
  const parsed = parsePreset(presetToYaml({ ...starterPreset('c3b'), ...over }));
  if (!parsed.preset) throw new Error(JSON.stringify(parsed.issues));
  return parsed.preset;
};

describe('hand-out names', () => {
  it('a namespace per student, or one the group shares; a reset deletes either', () => {
    const p = preset({ handout: { studentsPerCluster: 3, namespacePrefix: 'kid', ttl: '45m' } });
    expect(handoutNamespaces(p, 'red', 'student')).toEqual(['kid-1', 'kid-2', 'kid-3']);
    expect(handoutNamespaces(p, 'red', 'group')).toEqual(['kid-group-red']);
    expect(resetNamespacesOf(p, 'red')).toEqual(['kid-1', 'kid-2', 'kid-3', 'kid-group-red']);
  });

  it('a QR code takes a join command, not a kubeconfig with its CA and token', () => {
    expect(utf8Bytes('a→b')).toBe(5);
    expect(utf8Bytes('😀')).toBe(4);
    const join = `curl -sfL https://get.k3s.io | K3S_URL=https://10.0.0.1:6443 K3S_TOKEN=K10${'a'.repeat(64)}::abcdef.${'0'.repeat(16)} sh -s - agent --node-name pi-red-4`;
    expect(fitsInQr(join)).toBe(true);
    expect(fitsInQr('x'.repeat(QR_MAX_BYTES))).toBe(true);
    expect(fitsInQr('x'.repeat(QR_MAX_BYTES + 1))).toBe(false);
    expect(fitsInQr('é'.repeat(QR_MAX_BYTES / 2 + 1))).toBe(false);
  });

  it('the reset confirm says what goes', () => {
    const p = preset();
    const targets = [
      { cluster: 'c3b-a', group: 'a', machines: 3 },
      { cluster: 'c3b-b', group: 'b', machines: 2 },
    ];
    expect(resetWarning('uninstall', targets, p)).toMatch(
      /^Uninstall K3s from all 5 machines of c3b-a, c3b-b: every cluster, its workloads, its data/,
    );
    expect(resetWarning('namespaces', targets.slice(0, 1), p)).toBe(
      "Delete the students' namespaces (student-1, student-2, student-group-a) and everything in them on c3b-a: the students' kubeconfigs stop working. The clusters stay.",
    );
  });
});

describe('preset form', () => {
  it('reads every field from the text and writes them back, keeping what it does not show', () => {
    const text = presetToYaml({
      ...starterPreset('room7'),
      clusters: 4,
      handout: { studentsPerCluster: 3, namespacePrefix: 'kid', ttl: '1h' },
    });
    const form = formFromText(text);
    expect(form).toMatchObject({
      name: 'room7',
      channel: 'stable',
      version: '',
      disable: ['traefik'],
      firewall: 'configure',
      source: 'online',
      naming: 'pi-<group>-<n>',
      login: { user: 'pi', port: 22, method: 'agent', sudoPassword: false },
      studentsPerCluster: 3,
      ttl: '1h',
    });
    const changed = textFromForm(
      {
        ...form!,
        version: 'v1.33.5+k3s1',
        disable: ['servicelb', 'traefik'],
        firewall: 'leave',
        source: 'airgap',
        folder: '/srv/k3s-airgap',
        naming: 'desk-<group>-<n>',
        login: { user: 'teacher', port: 2222, method: 'key', keyPath: '~/.ssh/class', sudoPassword: true },
      },
      text,
    );
    const parsed = parsePreset(changed);
    expect(parsed.issues).toEqual([]);
    expect(parsed.preset).toMatchObject({
      name: 'room7',
      k3s: { version: 'v1.33.5+k3s1' },
      disable: ['traefik', 'servicelb'],
      firewall: { policy: 'leave' },
      install: { source: 'airgap', folder: '/srv/k3s-airgap', images: true },
      naming: 'desk-<group>-<n>',
      login: {
        user: 'teacher',
        port: 2222,
        auth: { method: 'key', keyPath: '~/.ssh/class' },
        sudo: { password: true },
      },
      clusters: 4,
      handout: { namespacePrefix: 'kid', studentsPerCluster: 3, ttl: '1h' },
    });
    expect(parsed.preset?.k3s.channel).toBeUndefined();
    expect(formFromText(changed)).toMatchObject({
      source: 'airgap',
      folder: '/srv/k3s-airgap',
      version: 'v1.33.5+k3s1',
    });
  });

  it('a form that makes the preset invalid writes it anyway, and the validation names the problem', () => {
    const text = textFromForm({ ...formFromText('')!, name: 'class', naming: 'pi-<group>' }, '');
    expect(parsePreset(text).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'naming: The naming scheme needs <n>, e.g. pi-<group>-<n>.',
    ]);
    expect(formFromText(text)?.naming).toBe('pi-<group>');
    expect(formFromText('name: [unclosed')).toBeNull();
  });
});
