import { describe, expect, it } from 'vitest';
import {
  lineRedactor,
  REDACTED,
  Redactor,
  redactEnvFile,
  redactStrings,
  redactText,
  redactValue,
  redactYaml,
  summarize,
} from './redact';

describe('redaction', () => {
  it('masks fields named like secrets, at any depth, and keeps objects and flags', () => {
    const value = redactValue({
      host: 'pi1',
      auth: { method: 'key', password: 'pw1', passphrase: 'pp', keyPath: '/k' },
      sudo: { password: true },
      token: 't',
    });
    expect(value).toEqual({
      host: 'pi1',
      auth: { method: 'key', password: REDACTED, passphrase: REDACTED, keyPath: '/k' },
      sudo: { password: true },
      token: REDACTED,
    });
  });

  it('masks K3s tokens and private keys inside free text', () => {
    const token = `K10${'a'.repeat(64)}::server:abcdef0123456789`;
    expect(redactText(`joined with ${token} ok`)).toBe(`joined with ${REDACTED} ok`);
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
    expect(redactText(`key: ${pem}`)).not.toContain('abc');
    expect(redactText('-----BEGIN RSA PRIVATE KEY-----\nunterminated')).not.toContain('unterminated');
    expect(redactText('id abcdef.0123456789abcdef')).toBe(`id ${REDACTED}`);
  });

  it.each([
    ['--token=x', 'k3s server --token=tok-eq-1 --node-name a', 'tok-eq-1', '--node-name a'],
    [
      '--token x',
      'k3s agent --token tok-sp-2 --server https://a:6443',
      'tok-sp-2',
      '--server https://a:6443',
    ],
    ['--agent-token "x y"', 'k3s server --agent-token "tok quoted 3" -v', 'tok quoted 3', '-v'],
    [
      'K3S_TOKEN= mid-line',
      'sh -c K3S_URL=https://a:6443 K3S_TOKEN=tok-mid-4 sh /tmp/i.sh',
      'tok-mid-4',
      'sh /tmp/i.sh',
    ],
    ['JSON token', '{"token":"tok-json-5","name":"a1"}', 'tok-json-5', '"name":"a1"'],
    [
      'JSON client-key-data',
      '{"client-key-data": "LS0tLS1CRUdJTiBFQyBQ", "server":"x"}',
      'LS0tLS1CRUdJTiBFQyBQ',
      '"server":"x"',
    ],
    ['password with spaces', 'password: correct horse battery staple', 'horse battery', 'password:'],
    ['upper-case bootstrap token', 'join with ABCDEF.0123456789ABCDEF now', 'ABCDEF.0123456789ABCDEF', 'now'],
    [
      'JSON-escaped',
      '{"msg":"ran \\"K3S_TOKEN=tok-esc-6\\" and \\"password\\":\\"pw-esc-7\\""}',
      'tok-esc-',
      'ran',
    ],
    ['shell-quoted', "env K3S_TOKEN='tok '\\''sq'\\'' 8' sh", 'sq', 'sh'],
    ['URL credentials', 'endpoint postgres://k3s:Pg-pw-9@db.lan:5432/k3s', 'Pg-pw-9', 'db.lan:5432'],
    ['MySQL DSN', 'datastore mysql://root:My-pw-10@tcp(10.0.0.9:3306)/k3s', 'My-pw-10', 'tcp(10.0.0.9:3306)'],
    ['list item name=value', '  - "oidc-client-secret=oidc-11"', 'oidc-11', 'oidc-client-secret='],
    ['registries auth', '      auth: cmVndXNlcjpwYXNz', 'cmVndXNlcjpwYXNz', 'auth:'],
  ])('masks %s', (_name, text, secret, kept) => {
    const out = redactText(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(kept);
  });

  it('leaves shell variables that stand for a secret alone (exported scripts keep working)', () => {
    expect(redactText('K3S_TOKEN=$(sudo cat /var/lib/rancher/k3s/server/token)')).toBe(
      'K3S_TOKEN=$(sudo cat /var/lib/rancher/k3s/server/token)',
    );
    expect(redactText('token: ${K3S_TOKEN}')).toBe('token: ${K3S_TOKEN}');
  });

  it('masks registered secret values wherever they appear, in every printed form', () => {
    const secret = `it's a "s3cret"\\`;
    const forms = [
      secret,
      JSON.stringify(secret),
      JSON.stringify(JSON.stringify(secret)),
      `'${secret.replace(/'/g, `'\\''`)}'`,
      encodeURIComponent(secret),
    ];
    for (const form of forms) {
      const out = redactText(`sudo said: wrong ${form} for lab`, [secret]);
      expect(out).not.toContain('s3cret');
      expect(out).toContain('for lab');
    }
  });

  it('summarises to one bounded line', () => {
    const text = summarize({ list: 'x'.repeat(1000), password: 'p' }, [], 100);
    expect(text.length).toBe(100);
    expect(text).not.toContain('"p"');
  });

  it('redacts strings only, keeping the shape of events and error payloads', () => {
    const event = { type: 'output', secrets: ['token'], lines: ['K3S_TOKEN=abc-123-x'] };
    expect(redactStrings(event)).toEqual({
      type: 'output',
      secrets: ['token'],
      lines: [`K3S_TOKEN=${REDACTED}`],
    });
  });

  it('parses YAML: secret-named keys masked whatever the value, other strings redacted as text', () => {
    const out = redactYaml(
      [
        '# k3s config',
        'token: "plain-cluster-secret"',
        'node-label: [foo=bar]',
        'kube-apiserver-arg:',
        '  - "oidc-client-secret=oidc-1"',
        '  - oidc-issuer-url=https://issuer.lan',
        'datastore-endpoint: postgres://k3s:pg-pw-2@db.lan:5432/k3s',
        'password: |',
        '  block scalar pw',
        'etcd-s3-secret-key: s3-3',
      ].join('\n'),
    );
    expect(out).not.toBeNull();
    for (const secret of ['plain-cluster-secret', 'oidc-1', 'pg-pw-2', 'block scalar pw', 's3-3'])
      expect(out).not.toContain(secret);
    for (const kept of ['# k3s config', 'foo=bar', 'oidc-issuer-url=https://issuer.lan', 'db.lan:5432'])
      expect(out).toContain(kept);
    expect(redactYaml('a: [unclosed')).toBeNull();
  });

  it('reads env files by variable name', () => {
    const out = redactEnvFile(
      "K3S_TOKEN='K10abc::server:pw-1'\nexport K3S_AGENT_TOKEN=pw-2\nK3S_NODE_NAME=a1\nHTTPS_PROXY=http://u:pw-3@proxy:3128\n",
    );
    for (const secret of ['pw-1', 'pw-2', 'pw-3']) expect(out).not.toContain(secret);
    expect(out).toContain('K3S_NODE_NAME=a1');
    expect(out).toContain(`export K3S_AGENT_TOKEN=${REDACTED}`);
  });

  it('masks a PEM block that arrives one line at a time', () => {
    const redact = lineRedactor((t) => redactText(t));
    const lines = [
      'before',
      '-----BEGIN EC PRIVATE KEY-----',
      'MHcCAQEEIPEMkeyline',
      '-----END EC PRIVATE KEY-----',
      'after',
    ];
    const out = lines.map(redact);
    expect(out.join('\n')).not.toContain('MHcCAQEEIPEMkeyline');
    expect(out[0]).toBe('before');
    expect(out[4]).toBe('after');
  });

  it('costs linear time on hostile lines (repeated secret words, no separator)', () => {
    for (const text of ['token-'.repeat(11_000), `"${'token'.repeat(13_000)}`, 'a-'.repeat(30_000)]) {
      const started = performance.now();
      expect(redactText(text)).toBe(text);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('a harmless field around a secret does not hide it', () => {
    expect(redactText('level=info msg="ran K3S_TOKEN=tok-in-msg-1 ok"')).not.toContain('tok-in-msg-1');
    expect(redactText('- {user: bob, password: pw-in-flow-2}')).not.toContain('pw-in-flow-2');
  });

  it('a Redactor knows the values registered with it', () => {
    const redactor = new Redactor();
    redactor.add('hunter2-pw');
    redactor.add('ab');
    expect(redactor.text('x hunter2-pw ab')).toBe(`x ${REDACTED} ab`);
    expect([...redactor.secrets]).toEqual(['hunter2-pw']);
  });
});
