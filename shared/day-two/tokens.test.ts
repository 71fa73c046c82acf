import { describe, expect, it } from 'vitest';
import { deleteTokenCommand, parseTokenList, rotateAdvice, supportsTokenRotate } from './tokens';

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
    expect(yes.lines.join('\n')).toContain('every server (s1, s2) must be restarted');
    expect(yes.lines.join('\n')).toContain('snapshots taken before need the old token');
    const no = rotateAdvice({ version: 'v1.26.3+k3s1', server: 's1', servers: ['s1'], agents: [] });
    expect(no.supported).toBe(false);
    expect(no.lines[0]).toMatch(/cannot rotate.*upgrade K3s first/);
  });
});
