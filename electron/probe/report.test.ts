import { describe, expect, it } from 'vitest';
import { connectivityChecks } from '../../shared/checks/connectivity';
import { formatChecks, formatConnectivity } from './report';

const blocked = connectivityChecks([
  {
    from: '10.0.0.11',
    to: '10.0.0.10',
    port: 6443,
    proto: 'tcp',
    flow: 'api',
    purpose: 'the API',
    status: 'blocked',
    detail: 'timed out',
  },
]);

describe('probe --connectivity on the command line', () => {
  it('says where to look when the blocked machine runs no firewall', () => {
    const text = formatChecks(blocked, (host) => (host === '10.0.0.10' ? 'none' : 'firewalld'));
    expect(text).toContain('fix: 10.0.0.10 runs no firewall of its own: look between the machines');
    expect(text).not.toContain('firewall step');
  });

  it('says how to open the ports when it runs one', () => {
    const text = formatChecks(blocked, () => 'ufw');
    expect(text).toContain('fix: open the K3s ports on 10.0.0.10 (ufw): with firewall.policy: configure');
    expect(text).not.toContain('firewall step');
  });

  it('prints each connection between addresses, with the cluster port only', () => {
    const line = formatConnectivity([
      {
        from: '10.0.0.11',
        to: '10.0.0.10',
        port: 6443,
        proto: 'tcp',
        flow: 'api',
        purpose: 'the API',
        status: 'open',
        detail: 'connected',
      },
    ]);
    expect(line).toBe('  ok    10.0.0.11 → 10.0.0.10 6443/tcp (connected)');
  });
});
