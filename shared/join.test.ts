import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { joinCommand, renderJoinCommand } from './join';
import { fillTemplate } from './plan';
import { makeFacts, makeSpec, node } from '../test-support/shared/spec';

const spec = makeSpec([node('s1', 'pi1.local', 'server', { nodeIp: '10.0.0.1' })], {
  networking: { tlsSans: ['pi1.local'] },
});
const server = spec.nodes[0]!;

describe('join command', () => {
  it('masks the token until revealed', () => {
    const join = joinCommand(spec, server, { nodeName: 'pi9' });
    expect(renderJoinCommand(join)).toBe(
      'curl -sfL https://get.k3s.io | K3S_URL=https://10.0.0.1:6443 K3S_TOKEN=•••••• sh -s - agent --node-name pi9',
    );
    expect(renderJoinCommand(join, { reveal: true, secrets: { token: "K10ab::server:c'd" } })).toContain(
      "K3S_TOKEN='K10ab::server:c'\\''d' sh -s - agent",
    );
    expect(join.mintToken).toBeNull();
  });

  it('passes the token to the script exactly, however odd it is', () => {
    const join = joinCommand(spec, server);
    const token = 'K10x::server:$(id)`x`\'"';
    const line = fillTemplate(join.command, { token })
      .replace(/^curl .*? \| /, '')
      .replace(/sh -s - .*$/, 'sh -c \'printf %s "$K3S_TOKEN"\'');
    expect(execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' })).toBe(token);
  });

  it('can mint an expiring token first', () => {
    const join = joinCommand(spec, server, { ttl: '2h', facts: makeFacts('10.0.0.1') });
    expect(join.mintToken).toEqual({
      command: "/usr/local/bin/k3s token create --ttl 2h --description 'k3s-wizard join'",
      sudo: true,
    });
    expect(() => joinCommand(spec, server, { ttl: 'soon' })).toThrow(/not a duration/);
    expect(() => joinCommand(spec, server, { ttl: '2h', role: 'server' })).toThrow(/only let agents join/);
  });

  it('uses the mirror and the pinned version', () => {
    const mirrored = makeSpec([node('s1', '10.0.0.1', 'server')], {
      k3s: { version: 'v1.33.5+k3s1' },
      install: {
        source: 'online',
        scriptUrl: 'https://mirror.example/install.sh',
        githubUrl: 'https://mirror.example/k3s',
      },
    });
    expect(renderJoinCommand(joinCommand(mirrored, mirrored.nodes[0]!, { role: 'server' }))).toBe(
      'curl -sfL https://mirror.example/install.sh | K3S_URL=https://10.0.0.1:6443 INSTALL_K3S_VERSION=v1.33.5+k3s1 GITHUB_URL=https://mirror.example/k3s K3S_TOKEN=•••••• sh -s - server',
    );
  });
});
