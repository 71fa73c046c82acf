import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { parseSpecObject, type ClusterSpec } from '../../shared/spec';
import { nameTheNode } from './node-errors';

const spec = parseSpecObject({
  apiVersion: 'k3s-wizard/v1',
  kind: 'Cluster',
  name: 'lab',
  nodes: [
    { address: '10.0.0.5', user: 'lab', role: 'server', nodeName: 'control' },
    {
      address: '10.0.0.6',
      port: 2222,
      user: 'lab',
      role: 'agent',
      nodeName: 'worker',
      auth: { method: 'key', keyPath: '/keys/id_ed25519' },
    },
  ],
}).spec as ClusterSpec;

const details = (host: string, port: number) => ({ host, port, user: 'lab' });

describe('login errors on the command line', () => {
  it('name the node first, then the address, and say how to test a machine that does not answer', () => {
    const error = nameTheNode(
      new AppError(
        'TIMEOUT',
        'lab@10.0.0.5 did not answer within 20 s. Is the machine on and reachable?',
        details('10.0.0.5', 22),
      ),
      spec,
    ) as AppError;
    expect(error.message).toBe(
      'control (lab@10.0.0.5): did not answer within 20 s. Is the machine on and reachable? Is it on and on this network? `ssh lab@10.0.0.5 true` to test.',
    );
    expect(error.code).toBe('TIMEOUT');
  });

  it('say which key was tried when the login is refused', () => {
    const error = nameTheNode(
      new AppError(
        'AUTH_FAILED',
        'lab@10.0.0.6:2222 did not accept the login (tried: publickey). Check the user, password or key.',
        details('10.0.0.6', 2222),
      ),
      spec,
    ) as AppError;
    expect(error.message).toMatch(/^worker \(lab@10\.0\.0\.6:2222\): did not accept the login/);
    expect(error.message).toContain(
      'Tried the key /keys/id_ed25519. `ssh -p 2222 -i /keys/id_ed25519 lab@10.0.0.6 true` to test.',
    );
  });

  it('leave an error about no node of the cluster as it is', () => {
    const original = new AppError('INVALID_INPUT', 'something else');
    expect(nameTheNode(original, spec)).toBe(original);
  });
});
