import { describe, expect, it } from 'vitest';
import { REDACTED, redactText, redactValue, summarize } from './redact';

describe('redaction', () => {
  it('masks fields named like secrets, at any depth', () => {
    const value = redactValue({
      host: 'pi1',
      auth: { password: 'pw1', passphrase: 'pp', keyPath: '/k' },
      token: 't',
    });
    expect(value).toEqual({
      host: 'pi1',
      auth: { password: REDACTED, passphrase: REDACTED, keyPath: '/k' },
      token: REDACTED,
    });
  });

  it('masks K3s tokens and private keys inside free text', () => {
    const token = `K10${'a'.repeat(64)}::server:abcdef0123456789`;
    expect(redactText(`joined with ${token} ok`)).toBe(`joined with ${REDACTED} ok`);
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
    expect(redactText(`key: ${pem}`)).not.toContain('abc');
    expect(redactText('token: abc123 rest')).toBe(`token: ${REDACTED} rest`);
    expect(redactText('id abcdef.0123456789abcdef')).toBe(`id ${REDACTED}`);
  });

  it('masks registered secret values wherever they appear', () => {
    expect(redactText('sudo said: wrong hunter2 for lab', ['hunter2'])).toBe(
      `sudo said: wrong ${REDACTED} for lab`,
    );
  });

  it('summarises to one bounded line', () => {
    const text = summarize({ list: 'x'.repeat(1000), password: 'p' }, [], 100);
    expect(text.length).toBe(100);
    expect(text).not.toContain('"p"');
  });
});
