import { describe, expect, it } from 'vitest';
import { shJoin } from '../shell';
import { appliedCheck, ufwShown } from './applied';

const cmd = (...argv: string[]) => ({ argv, what: 'x', undo: [] });
/** What the check runs inside `sh -c`. */
const wrapped = (...queries: string[]) =>
  shJoin(['sh', '-c', queries.map((q) => `{ ${q}; } >/dev/null 2>&1`).join(' && ')]);

describe('already-applied check of a firewall plan', () => {
  it('asks firewalld about every rule, runtime and permanent', () => {
    const rich = 'rule family="ipv4" source address="10.0.0.1" port port="2379-2380" protocol="tcp" accept';
    const check = appliedCheck([
      cmd('firewall-cmd', '--zone=internal', '--add-source=10.0.0.2'),
      cmd('firewall-cmd', '--permanent', '--zone=internal', '--add-port=6443/tcp'),
      cmd('firewall-cmd', '--zone=internal', `--add-rich-rule=${rich}`),
      cmd('firewall-cmd', '--zone=trusted', '--change-source=10.42.0.0/16'),
    ]);
    expect(check).toBe(
      wrapped(
        'firewall-cmd --zone=internal --query-source=10.0.0.2',
        'firewall-cmd --permanent --zone=internal --query-port=6443/tcp',
        shJoin(['firewall-cmd', '--zone=internal', `--query-rich-rule=${rich}`]),
        'firewall-cmd --zone=trusted --query-source=10.42.0.0/16',
      ),
    );
  });

  it('checks a disabled firewall, and ufw rules as ufw lists them', () => {
    expect(appliedCheck([cmd('systemctl', 'disable', '--now', 'firewalld')])).toBe(
      wrapped('! systemctl is-active --quiet firewalld && ! systemctl is-enabled --quiet firewalld'),
    );
    expect(appliedCheck([cmd('ufw', 'disable')])).toBe(wrapped("ufw status | grep -q '^Status: inactive'"));
    const allow = ['ufw', 'allow', 'proto', 'tcp', 'from', '10.0.0.2', 'to', 'any', 'port', '10250'];
    expect(appliedCheck([cmd(...allow)])).toBe(
      wrapped("ufw show added | grep -qxF 'ufw allow from 10.0.0.2 to any port 10250 proto tcp'"),
    );
    // As ufw 0.36 prints them (seen on a lab host).
    expect(
      ufwShown([
        'ufw',
        'allow',
        'proto',
        'tcp',
        'from',
        'any',
        'to',
        'any',
        'port',
        '6443',
        'comment',
        'k3s-wizard: api',
      ]),
    ).toBe("ufw allow 6443/tcp comment 'k3s-wizard: api'");
    expect(
      ufwShown(['ufw', 'allow', 'from', '10.42.0.0/16', 'comment', 'k3s-wizard: cluster networks']),
    ).toBe("ufw allow from 10.42.0.0/16 comment 'k3s-wizard: cluster networks'");
    expect(
      ufwShown([
        'ufw',
        'allow',
        'proto',
        'tcp',
        'from',
        '10.1.1.1',
        'to',
        'any',
        'port',
        '2379:2380',
        'comment',
        'k3s-wizard: etcd',
      ]),
    ).toBe("ufw allow from 10.1.1.1 to any port 2379:2380 proto tcp comment 'k3s-wizard: etcd'");
  });

  it('has no answer when a command cannot be asked about, or there is nothing to do', () => {
    expect(appliedCheck([])).toBeNull();
    expect(appliedCheck([cmd('firewall-cmd', '--reload')])).toBeNull();
    expect(
      appliedCheck([
        cmd('firewall-cmd', '--zone=internal', '--add-port=6443/tcp'),
        cmd('nft', 'flush', 'ruleset'),
      ]),
    ).toBeNull();
  });
});
