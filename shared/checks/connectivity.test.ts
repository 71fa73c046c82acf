import { describe, expect, it } from 'vitest';
import { probeVerdict, TOO_SLOW, type ProbeEvidence } from './connectivity';

const tcp = (e: Partial<ProbeEvidence>): ProbeEvidence => ({
  proto: 'tcp',
  answer: 'connected',
  listener: 'ours',
  received: false,
  ...e,
});

describe('probe verdicts (#12.5)', () => {
  it('a connection or a received datagram is open', () => {
    expect(probeVerdict(tcp({}))).toEqual({ status: 'open', detail: 'connected' });
    expect(probeVerdict(tcp({ proto: 'udp', answer: 'sent', received: true }))).toEqual({
      status: 'open',
      detail: 'datagram received',
    });
  });

  it('refused while nothing listened is a reply, not a firewall: unknown, never blocked', () => {
    const v = probeVerdict(tcp({ answer: 'refused', listener: 'gone' }));
    expect(v.status).toBe('unknown');
    expect(v.detail).toMatch(/^refused: nothing listened/);
    expect(v.detail).toContain('not a firewall drop');
  });

  it('refused while a listener was bound is a rejecting rule', () => {
    for (const listener of ['ours', 'theirs'] as const) {
      const v = probeVerdict(tcp({ answer: 'refused', listener }));
      expect(v).toEqual({
        status: 'blocked',
        detail: 'refused while a listener was bound (a rule rejects it)',
      });
    }
  });

  it('tells no answer, reset and a prohibited reply apart', () => {
    const details = (['no-answer', 'reset', 'unreachable'] as const).map(
      (answer) => probeVerdict(tcp({ answer })).detail,
    );
    expect(details).toEqual([
      'no answer (dropped)',
      'reset after connecting (something between them cuts it)',
      'rejected (host unreachable or prohibited: a rule rejects it)',
    ]);
    for (const answer of ['no-answer', 'reset', 'unreachable'] as const)
      expect(probeVerdict(tcp({ answer })).status).toBe('blocked');
  });

  it('UDP: sent and not received is blocked; an ICMP refusal is a rejecting rule', () => {
    expect(probeVerdict(tcp({ proto: 'udp', answer: 'sent' }))).toEqual({
      status: 'blocked',
      detail: 'datagrams sent, none arrived',
    });
    expect(probeVerdict(tcp({ proto: 'udp', answer: 'refused' })).detail).toMatch(
      /^rejected \(ICMP port unreachable/,
    );
  });

  it('UDP: a listener too slow to show it waited is unknown, never blocked; one that got the datagram is open', () => {
    const v = probeVerdict(tcp({ proto: 'udp', answer: 'sent', tooSlow: { ranMs: 400, graceMs: 1500 } }));
    expect(v.status).toBe('unknown');
    expect(v.detail).toContain(TOO_SLOW);
    expect(v.detail).toContain('it showed 0.4 s of the 1.5 s');
    expect(
      probeVerdict(
        tcp({ proto: 'udp', answer: 'sent', received: true, tooSlow: { ranMs: 0, graceMs: 1500 } }),
      ).status,
    ).toBe('open');
    // A refusal is the target's own answer: blocked, however slow its listener.
    expect(
      probeVerdict(tcp({ proto: 'udp', answer: 'refused', tooSlow: { ranMs: 0, graceMs: 1500 } })).status,
    ).toBe('blocked');
  });

  it('a probe that could not run is unknown, whatever the listener', () => {
    expect(probeVerdict(tcp({ answer: 'error Permission denied' }))).toEqual({
      status: 'unknown',
      detail: 'the probe failed (Permission denied)',
    });
  });
});
