import { describe, expect, it } from 'vitest';
import { redactText } from '../../shared/redact';
import { StepOutput } from './output';

function collect() {
  const sent: string[] = [];
  const output = new StepOutput(
    (text) => redactText(text, ['hunter2-pw']),
    (_stream, lines) => sent.push(...lines),
  );
  return { output, sent };
}

describe('step output', () => {
  it('bounds a line that never ends, keeping its tail and saying what was cut', () => {
    const { output, sent } = collect();
    for (let i = 0; i < 200; i++) output.push('stdout', 'x'.repeat(10_000));
    output.push('stdout', 'END');
    output.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.length).toBeLessThan(20_000);
    expect(sent[0]).toMatch(/^\[… \d+ characters cut\] x+END$/);
  });

  it('masks a private key printed over several lines, and secrets cut across chunks', () => {
    const { output, sent } = collect();
    const text =
      'a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----\npw hunter2-pw ok\n';
    for (const ch of text) output.push('stderr', ch);
    output.flush();
    const all = sent.join('\n');
    expect(all).not.toContain('b3BlbnNzaC1rZXktdjEAAAA');
    expect(all).not.toContain('hunter2-pw');
    expect(sent[0]).toBe('a');
    expect(sent.at(-1)).toBe('pw •••••• ok');
  });
});
