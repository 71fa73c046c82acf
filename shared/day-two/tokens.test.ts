import { describe, expect, it } from 'vitest';
import {
  configToken,
  configWithToken,
  deleteTokenCommand,
  envFileToken,
  isBootstrapToken,
  parseTokenList,
  rotateAdvice,
  rotateTokenCommand,
  sameServerToken,
  supportsTokenRotate,
  writeEnvTokenCommand,
} from './tokens';

// As `k3s token list` prints it (kubeadm's tabwriter: min width 10, padding 3).
const LIST = `TOKEN          TTL         EXPIRES                USAGES                   DESCRIPTION               EXTRA GROUPS
ab12cd         1h          2026-12-01T15:00:00Z   authentication,signing   k3s-wizard join pi4       system:bootstrappers:k3s:default-node-token
zz99yy         <forever>   <never>                authentication,signing   <none>                    system:bootstrappers:k3s:default-node-token
`;

describe('k3s token list', () => {
  it('reads every column, the description with its spaces, and marks the app’s own tokens', () => {
    expect(parseTokenList(LIST)).toEqual([
      {
        id: 'ab12cd',
        ttl: '1h',
        expires: '2026-12-01T15:00:00Z',
        usages: ['authentication', 'signing'],
        description: 'k3s-wizard join pi4',
        groups: ['system:bootstrappers:k3s:default-node-token'],
        byApp: true,
      },
      {
        id: 'zz99yy',
        ttl: '<forever>',
        expires: null,
        usages: ['authentication', 'signing'],
        description: '',
        groups: ['system:bootstrappers:k3s:default-node-token'],
        byApp: false,
      },
    ]);
  });

  it('keeps only the ID when a tool prints the whole token', () => {
    const whole = LIST.replace('ab12cd       ', 'ab12cd.0123456789abcdef');
    const [first] = parseTokenList(whole);
    expect(first?.id).toBe('ab12cd');
    expect(JSON.stringify(parseTokenList(whole))).not.toContain('0123456789abcdef');
  });

  it('an empty answer is no tokens; anything else but the table is an error', () => {
    expect(parseTokenList('')).toEqual([]);
    expect(() => parseTokenList('Error: connection refused')).toThrow(/did not print its table/);
  });

  it('deletes by ID only, quoted', () => {
    expect(deleteTokenCommand('ab12cd')).toBe('/usr/local/bin/k3s token delete ab12cd');
    expect(() => deleteTokenCommand('ab12cd; rm -rf /')).toThrow(/not a token ID/);
  });
});

describe('rotating the cluster token', () => {
  it('is offered from the releases that have k3s token rotate', () => {
    expect(supportsTokenRotate('v1.33.5+k3s1')).toBe(true);
    expect(supportsTokenRotate('v1.28.2+k3s1')).toBe(true);
    expect(supportsTokenRotate('v1.28.1+k3s1')).toBe(false);
    expect(supportsTokenRotate('v1.27.6+k3s1')).toBe(true);
    expect(supportsTokenRotate('v1.24.17+k3s1')).toBe(false);
    expect(supportsTokenRotate('nonsense')).toBe(false);
  });

  it('says what it changes, or why it cannot', () => {
    const yes = rotateAdvice({
      version: 'v1.33.5+k3s1',
      server: 's1',
      servers: ['s1', 's2'],
      agents: ['a1'],
    });
    expect(yes.supported).toBe(true);
    expect(yes.lines.join('\n')).toContain('every server (s1, s2) is restarted');
    expect(yes.lines.join('\n')).toContain('snapshots taken before need the old token');
    const no = rotateAdvice({ version: 'v1.26.3+k3s1', server: 's1', servers: ['s1'], agents: [] });
    expect(no.supported).toBe(false);
    expect(no.lines[0]).toMatch(/cannot rotate.*upgrade K3s first/);
  });
});

describe('rotating the cluster token', () => {
  const NEW = 'K10abc123::server:0123456789abcdef0123456789abcdef';

  it('runs k3s token rotate with the old token from the server’s file, never on its command line', () => {
    const command = rotateTokenCommand();
    expect(command).toContain('/var/lib/rancher/k3s/server/token');
    expect(command).toContain('token rotate');
    expect(command).not.toContain('--new-token');
    expect(command).not.toContain('--token');
  });

  it('compares server tokens in their secure and short forms, and tells bootstrap tokens apart', () => {
    expect(sameServerToken(NEW, '0123456789abcdef0123456789abcdef')).toBe(true);
    expect(sameServerToken(NEW, 'server:0123456789abcdef0123456789abcdef')).toBe(true);
    expect(sameServerToken(NEW, 'K10abc123::server:other')).toBe(false);
    expect(sameServerToken('', '')).toBe(false);
    expect(isBootstrapToken('K10ab12::abc123.0123456789abcdef')).toBe(true);
    expect(isBootstrapToken('abc123.0123456789abcdef')).toBe(true);
    expect(isBootstrapToken(NEW)).toBe(false);
  });

  it('puts the new token into a config.yaml, keeping every other line as nodeConfig wrote it', () => {
    const settings =
      '# Written by k3s-wizard for cluster home; replaced on the next run.\nnode-name: pi1\nnode-label:\n  - a=b\nserver: https://10.0.0.1:6443\n';
    const config = `${settings}token: "K10old::server:old-password"\n`;
    expect(configToken(config)).toBe('K10old::server:old-password');
    const next = configWithToken(config, NEW);
    expect(configToken(next)).toBe(NEW);
    // what the re-run check hashes (every line but the token's) is unchanged
    expect(next.split('\n').filter((l) => !l.startsWith('token:'))).toEqual(
      config.split('\n').filter((l) => !l.startsWith('token:')),
    );
    // a first server's config has no token line: it gets one at the end
    const added = configWithToken(settings, NEW);
    expect(added.startsWith(settings)).toBe(true);
    expect(configToken(added)).toBe(NEW);
    expect(configWithToken('', NEW)).toBe(`token: "${NEW}"\n`);
    expect(() => configWithToken(config, 'bad token with spaces')).toThrow('not a K3s token');
    expect(() => configToken('token: [unclosed')).toThrow('not valid YAML');
    expect(() => configToken('token: [unclosed')).not.toThrow('unclosed');
  });

  it('reads the K3S_TOKEN of the env file the install script wrote, quoted or not', () => {
    expect(envFileToken("K3S_URL='https://a:6443'\nK3S_TOKEN='K10x::server:pw'\n")).toBe('K10x::server:pw');
    expect(envFileToken('K3S_TOKEN=pw2\n')).toBe('pw2');
    expect(envFileToken('K3S_URL=https://a:6443\n')).toBeNull();
    expect(writeEnvTokenCommand('k3s-agent')).toContain('/etc/systemd/system/k3s-agent.service.env');
  });

  it('says what rotating changes before it is done', () => {
    const advice = rotateAdvice({
      version: 'v1.33.5+k3s1',
      server: 's1',
      servers: ['s1', 's2'],
      agents: ['a1'],
    });
    const text = advice.lines.join('\n');
    expect(text).toContain('stops working');
    expect(text).toContain('snapshots taken before need the old token');
    expect(text).toContain('Bootstrap tokens');
    expect(text).toContain('s1, s2');
  });
});
