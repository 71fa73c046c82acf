import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactFile } from '../../shared/redact';
import { parseSections } from './collect';
import { tarGz } from './tar';

describe('support bundle pieces', () => {
  it('redacts tokens, passwords and keys whatever they look like', () => {
    const text = [
      'node-name: a1',
      'token: "my-own-cluster-secret"',
      'agent-token: other',
      'K3S_TOKEN=plainvalue',
      'export CONTAINERD_PASSWORD=hunter22',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----',
      '    client-key-data: QUJD',
      'msg="joined with sudo-pass-123"',
    ].join('\n');
    const out = redactFile('notes.txt', text, ['sudo-pass-123']);
    for (const secret of [
      'my-own-cluster-secret',
      'other',
      'plainvalue',
      'hunter22',
      'abc',
      'QUJD',
      'sudo-pass-123',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('node-name: a1');
    expect(out).toContain(`token: ${REDACTED}`);
  });

  it('reads the sections of a host, keeping its secrets apart', () => {
    const parsed = parseSections(
      '\n===K3SW-SECTION ip-addr.txt===\neth0 UP 10.0.0.2/24\n===K3SW-SECTION files/etc/rancher/k3s/config.yaml===\ntoken: x\n===K3SW-SECTION secret:token===\nK10abc::server:pass-word-1\n',
    );
    expect([...parsed.files.keys()]).toEqual([
      'ip-addr.txt',
      'etc/rancher/k3s/config.yaml'.replace(/^/, 'files/'),
    ]);
    expect(parsed.secrets).toContain('K10abc::server:pass-word-1');
    expect(parsed.secrets).toContain('pass-word-1');
  });

  it('writes a tar.gz that tar reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3sw-tar-'));
    const long = `b/${'d'.repeat(90)}/${'e'.repeat(60)}.txt`;
    writeFileSync(
      join(dir, 'x.tar.gz'),
      tarGz([
        { path: 'b/a.txt', content: 'hello\n' },
        { path: long, content: 'ü' },
      ]),
    );
    execFileSync('tar', ['-xzf', 'x.tar.gz'], { cwd: dir });
    expect(readFileSync(join(dir, 'b/a.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(dir, long), 'utf8')).toBe('ü');
  });
});
