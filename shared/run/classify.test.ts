import { describe, expect, it } from 'vitest';
import { classifyFailure, lastLines, latestJoinProblem, type FailureContext } from './classify';

const base: FailureContext = {
  host: 'pi2',
  step: 'Install K3s agent',
  action: 'install K3s as an agent and start it',
  install: true,
  download: false,
  exitCode: 1,
  output: '[INFO]  systemd: Starting k3s-agent\nJob for k3s-agent.service failed',
};

describe('classifyFailure', () => {
  it('reads a refused or timed-out connection to the server from the journal', () => {
    const c = classifyFailure({
      ...base,
      exitCode: null,
      timedOutAfterMs: 120_000,
      journal:
        'level=error msg="failed to get CA certs: Get \\"https://10.0.0.1:6443/cacerts\\": dial tcp 10.0.0.1:6443: connect: connection refused"',
    });
    expect(c.code).toBe('JOIN_UNREACHABLE');
    expect(c.message).toContain('pi2');
    expect(c.message).toContain('https://10.0.0.1:6443');
    expect(c.message).toContain('6443');
  });

  it('tells a rejected token, and a duplicate node name', () => {
    expect(
      classifyFailure({ ...base, journal: 'msg="failed to validate connection: token is not valid"' }).code,
    ).toBe('JOIN_TOKEN_REJECTED');
    expect(
      classifyFailure({ ...base, journal: 'token CA hash does not match the Cluster CA certificate hash' })
        .code,
    ).toBe('JOIN_TOKEN_REJECTED');
    const dup = classifyFailure({
      ...base,
      journal:
        'Node password rejected, duplicate hostname or contents of /etc/rancher/node/password may not match',
    });
    expect(dup.code).toBe('DUPLICATE_NODE');
    expect(dup.message).toContain('k3s kubectl delete node pi2');
  });

  it('a service that never came up is a SERVICE_TIMEOUT with the fatal line', () => {
    const c = classifyFailure({
      ...base,
      exitCode: null,
      timedOutAfterMs: 300_000,
      journal: 'level=fatal msg="Error: failed to find memory cgroup (v2)"',
    });
    expect(c.code).toBe('SERVICE_TIMEOUT');
    expect(c.message).toContain('300 s');
    expect(c.message).toContain('memory cgroup');
  });

  it('transport errors keep their code; downloads and plain failures are told apart', () => {
    expect(
      classifyFailure({ ...base, cause: { code: 'CONNECTION_LOST', message: 'The connection was lost.' } })
        .code,
    ).toBe('CONNECTION_LOST');
    expect(classifyFailure({ ...base, cause: { code: 'SUDO_PASSWORD_WRONG', message: 'wrong' } }).code).toBe(
      'SUDO_PASSWORD_WRONG',
    );
    expect(classifyFailure({ ...base, install: false, download: true, exitCode: 22, output: '' }).code).toBe(
      'DOWNLOAD_FAILED',
    );
    expect(classifyFailure({ ...base, output: '[ERROR]  Download failed' }).code).toBe('DOWNLOAD_FAILED');
    expect(classifyFailure(base).code).toBe('INSTALL_FAILED');
    const plain = classifyFailure({ ...base, install: false, action: 'create the folder' });
    expect(plain.code).toBe('STEP_FAILED');
    expect(plain.message).toContain('create the folder');
  });

  it('the most recent join error wins over an older one', () => {
    const journal = [
      'msg="Failed to validate connection: token CA hash does not match the Cluster CA certificate hash"',
      'systemd[1]: Stopped k3s-agent.service',
      'msg="failed to get CA certs: Get \\"https://10.0.0.1:6443/cacerts\\": dial tcp 10.0.0.1:6443: connect: connection refused"',
    ].join('\n');
    expect(latestJoinProblem(journal)?.code).toBe('JOIN_UNREACHABLE');
    const c = classifyFailure({ ...base, journal });
    expect(c.code).toBe('JOIN_UNREACHABLE');
    expect(c.message).toContain('at https://10.0.0.1:6443 (');
    const token = classifyFailure({ ...base, journal: 'msg="token is not valid"' });
    expect(token.message).not.toMatch(/token: /);
  });

  it('lastLines drops blank lines and keeps the tail', () => {
    expect(lastLines('a\n\nb  \nc\n', 2)).toEqual(['b', 'c']);
  });
});

describe('disk full', () => {
  it('says which host and where, from the space check or the system’s own message', () => {
    const base = {
      host: 'a1',
      step: 'Install K3s agent',
      action: 'x',
      install: false,
      download: false,
      exitCode: 28,
    };
    const mine = classifyFailure({
      ...base,
      output: 'k3s-wizard: disk full: 0 MiB free for /var/lib/rancher/k3s, K3s needs 300 MiB',
    });
    expect(mine.code).toBe('DISK_FULL');
    expect(mine.message).toContain(
      'a1 is out of disk space (0 MiB free for /var/lib/rancher/k3s, K3s needs 300 MiB)',
    );
    const system = classifyFailure({
      ...base,
      install: true,
      output: 'cp: error writing /usr/local/bin/k3s: No space left on device',
    });
    expect(system.code).toBe('DISK_FULL');
  });
});
