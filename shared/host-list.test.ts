import { describe, expect, it } from 'vitest';
import { MAX_RANGE, parseHostList } from './host-list';

describe('pasted host lists', () => {
  it('reads addresses, users, ports and IPv6 in brackets, one or several per line', () => {
    const { hosts, problems } = parseHostList(
      'pi1.local\npi@192.168.1.20:2222, root@[fe80::1]:22\n  node3  # the old laptop\n\n[2001:db8::5]',
    );
    expect(problems).toEqual([]);
    expect(hosts).toEqual([
      { address: 'pi1.local' },
      { address: '192.168.1.20', port: 2222, user: 'pi' },
      { address: 'fe80::1', port: 22, user: 'root' },
      { address: 'node3' },
      { address: '2001:db8::5' },
    ]);
  });

  it('expands an IPv4 range in both spellings, and drops repeats', () => {
    expect(parseHostList('10.0.0.5-7').hosts.map((h) => h.address)).toEqual([
      '10.0.0.5',
      '10.0.0.6',
      '10.0.0.7',
    ]);
    expect(parseHostList('pi@10.0.0.8-10.0.0.9\n10.0.0.9').hosts).toEqual([
      { address: '10.0.0.8', user: 'pi' },
      { address: '10.0.0.9', user: 'pi' },
      { address: '10.0.0.9' },
    ]);
    expect(parseHostList('10.0.0.1 10.0.0.1').hosts).toHaveLength(1);
  });

  it('says what is wrong, with the line, and keeps the good entries', () => {
    const { hosts, problems } = parseHostList(
      `10.0.0.1\n10.0.0.9-3\n10.0.0.1-10.0.1.5\nb$d@x\n10.0.0.1-${MAX_RANGE + 5}\nhost:99999\n300.1.1.1`,
    );
    expect(hosts.map((h) => h.address)).toEqual(['10.0.0.1']);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [2, 'The range 10.0.0.9-3 runs backwards: write the lower address first.'],
      [3, 'A range must stay within one /24, e.g. 192.168.1.10-20.'],
      [4, expect.stringContaining('“b$d”') as unknown],
      [
        5,
        `The range 10.0.0.1-${MAX_RANGE + 5} has ${MAX_RANGE + 5} addresses; at most ${MAX_RANGE} at once.`,
      ],
      [6, expect.stringContaining('1 to 65535') as unknown],
      [7, expect.stringContaining('300.1.1.1') as unknown],
    ]);
  });
});
