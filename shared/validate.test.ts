import { describe, expect, it } from 'vitest';
import { addressProblem, isIPv6, nodeNameProblem, portProblem, userProblem } from './validate';

describe('validation of what people type', () => {
  it.each([
    '192.168.1.20',
    '10.0.0.1',
    'pi1.local',
    'node-2',
    'fe80::1',
    '2001:db8::42',
    '::1',
    'my.host.example.com',
  ])('accepts the address %s', (address) => expect(addressProblem(address)).toBeNull());

  it.each(['', ' 10.0.0.1', '300.1.1.1', '10.0.0', 'pi_1', '-bad', 'a..b', 'fe80:::1', '1.2.3.4; rm -rf /'])(
    'refuses the address %j with a sentence',
    (address) => expect(addressProblem(address)).toMatch(/\S+/),
  );

  it('checks IPv6 group counts', () => {
    expect(isIPv6('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isIPv6('1:2:3:4:5:6:7:8:9')).toBe(false);
    expect(isIPv6('::ffff:192.168.1.1')).toBe(true);
  });

  it('checks ports and users', () => {
    expect(portProblem(22)).toBeNull();
    expect(portProblem(0)).toMatch(/1 to 65535/);
    expect(portProblem(22.5)).not.toBeNull();
    expect(userProblem('pi')).toBeNull();
    expect(userProblem('root')).toBeNull();
    expect(userProblem('bad user')).toMatch(/not a valid Linux user name/);
    expect(userProblem('$(reboot)')).not.toBeNull();
  });

  it('checks node names as Kubernetes does', () => {
    expect(nodeNameProblem('pi-1')).toBeNull();
    expect(nodeNameProblem('Pi1')).toMatch(/lower-case/);
    expect(nodeNameProblem('-x')).not.toBeNull();
  });
});
