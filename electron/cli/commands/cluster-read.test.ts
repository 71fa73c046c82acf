import { describe, expect, it } from 'vitest';
import { captureIo } from '../../../test-support/cli-io';
import { EXIT } from '../exit-codes';
import { runCli } from '../program';

async function cli(...args: string[]) {
  const io = captureIo();
  const code = await runCli(args, io.value);
  return { code, out: io.out(), err: io.err() };
}

// Bad input is refused before any machine is dialled, with what to do.
describe('adopt, status, token: bad input', () => {
  it('a token ID is six letters or digits', async () => {
    const r = await cli('token', 'revoke', 'cluster.yaml', 'abc;rm');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toContain('"abc;rm" is not a token ID (six letters or digits, as token list shows)');
  });

  it('adopt takes [user@]host[:port] and NODE=HOST addresses', async () => {
    const bad = await cli('adopt', 'pi@');
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.err).toContain('"pi@" is not [user@]host[:port]');
    const address = await cli('adopt', 'pi@10.0.0.1', '--address', 'pi1');
    expect(address.code).toBe(EXIT.USAGE);
    expect(address.err).toContain('--address takes NODE=HOST');
    expect(address.out).toBe('');
  });

  it('status and token list need a readable cluster file', async () => {
    for (const args of [
      ['status', '/nonexistent/cluster.yaml'],
      ['token', 'list', '/nonexistent/cluster.yaml'],
    ]) {
      const r = await cli(...args);
      expect(r.code).toBe(EXIT.USAGE);
      expect(r.err).toContain('Cannot read the cluster file /nonexistent/cluster.yaml');
    }
  });

  it('lists the day-two commands in --help', async () => {
    const r = await cli('--help');
    expect(r.out).toMatch(/adopt \[options\] <server>/);
    expect(r.out).toMatch(/status \[options\] <cluster\.yaml>/);
    expect(r.out).toMatch(/token/);
  });
});
