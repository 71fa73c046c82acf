import { chmodSync, closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseSpecObject, type ClusterSpec } from '../../shared/spec';
import { gatherSecrets } from './secrets';

function spec(nodes: object[]): ClusterSpec {
  const parsed = parseSpecObject({ apiVersion: 'k3s-wizard/v1', kind: 'Cluster', name: 'lab', nodes });
  if (!parsed.spec) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec;
}

const classroom = spec(
  ['pi1', 'pi2', 'pi3'].map((name, i) => ({
    address: `10.0.0.${i + 1}`,
    user: 'pi',
    auth: { method: 'password' },
    sudo: { password: true },
    role: i === 0 ? 'server' : 'agent',
    nodeName: name,
  })),
);

function prompter(answers: Record<string, string>, interactive = true) {
  const asked: string[] = [];
  return {
    asked,
    terminal: {
      interactive,
      askSecret: (q: string) => {
        asked.push(q);
        const key = Object.keys(answers).find((k) => q.startsWith(k));
        return Promise.resolve(key ? answers[key]! : '');
      },
    },
  };
}

function secretsFile(content: object, mode = 0o600): string {
  const file = join(mkdtempSync(join(tmpdir(), 'k3sw-secrets-')), 'secrets.yaml');
  writeFileSync(file, stringify(content));
  chmodSync(file, mode);
  return file;
}

describe('secrets for apply', () => {
  it('on a terminal, asks once per distinct login, for every node that shares it', async () => {
    const { asked, terminal } = prompter({ 'SSH password': 'ssh-pw', 'sudo password': 'sudo-pw' });
    const seen: string[] = [];
    const secrets = await gatherSecrets({
      spec: classroom,
      env: {},
      source: {},
      terminal,
      onSecret: (s) => seen.push(s),
    });
    expect(asked).toEqual([
      'SSH password of pi on pi1, pi2, pi3: ',
      'sudo password of pi on pi1, pi2, pi3: ',
    ]);
    expect(secrets.get('pi3')).toEqual({ sshPassword: 'ssh-pw', sudoPassword: 'sudo-pw' });
    expect(new Set(seen)).toEqual(new Set(['ssh-pw', 'sudo-pw']));
  });

  it('reads a 0600 file per node (a node’s own entry wins over all) and asks nothing', async () => {
    const { asked, terminal } = prompter({});
    const file = secretsFile({
      all: { sshPassword: 'room-pw', sudoPassword: 'room-sudo' },
      nodes: { pi2: { sshPassword: 'pi2-pw' } },
    });
    const secrets = await gatherSecrets({
      spec: classroom,
      env: {},
      source: { file },
      terminal,
      onSecret: () => {},
    });
    expect(asked).toEqual([]);
    expect(secrets.get('pi1')).toEqual({ sshPassword: 'room-pw', sudoPassword: 'room-sudo' });
    expect(secrets.get('pi2')).toEqual({ sshPassword: 'pi2-pw', sudoPassword: 'room-sudo' });
  });

  it('refuses a secrets file others can read, without showing what is in it', async () => {
    const file = secretsFile({ all: { sshPassword: 'room-pw' } }, 0o644);
    await expect(
      gatherSecrets({
        spec: classroom,
        env: {},
        source: { file },
        terminal: prompter({}).terminal,
        onSecret: () => {},
      }),
    ).rejects.toThrow(`can be read by others (mode 644): run chmod 600 ${file}`);
  });

  it('reads the same YAML from a file descriptor', async () => {
    const file = secretsFile({ all: { sshPassword: 'fd-pw', sudoPassword: 'fd-sudo' } });
    const fd = openSync(file, 'r');
    try {
      const secrets = await gatherSecrets({
        spec: classroom,
        env: {},
        source: { fd },
        terminal: prompter({}).terminal,
        onSecret: () => {},
      });
      expect(secrets.get('pi1')).toEqual({ sshPassword: 'fd-pw', sudoPassword: 'fd-sudo' });
    } finally {
      closeSync(fd);
    }
  });

  it('without a terminal names the nodes and every way to give what is missing', async () => {
    await expect(
      gatherSecrets({
        spec: classroom,
        env: { K3S_WIZARD_SSH_PASSWORD: 'env-pw' },
        source: {},
        terminal: prompter({}, false).terminal,
        onSecret: () => {},
      }),
    ).rejects.toThrow(
      'pi1, pi2, pi3 need a sudo password and there is no terminal to ask on: give it in a secrets file (--secrets-file, mode 0600), on a file descriptor (--secrets-fd), or in K3S_WIZARD_SUDO_PASSWORD (see k3s-wizard apply --help).',
    );
  });

  it('never shows a secret when the file is not valid', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'k3sw-secrets-')), 's.yaml');
    writeFileSync(file, 'all: { sshPassword: "hunter2\n', { mode: 0o600 });
    const message = await gatherSecrets({
      spec: classroom,
      env: {},
      source: { file },
      terminal: prompter({}).terminal,
      onSecret: () => {},
    }).then(
      () => 'no error',
      (e: unknown) => (e as Error).message,
    );
    expect(message).toContain('is not valid YAML');
    expect(message).not.toContain('hunter2');
  });
});
