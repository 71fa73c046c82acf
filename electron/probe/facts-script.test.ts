import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseFacts } from '../../shared/probe/parse';
import { FACTS_SCRIPT, SECTION_MARK } from '../../shared/probe/script';

describe('the facts script on a broken machine', () => {
  it('ends, section by section, where PATH holds none of the tools it calls', () => {
    // a host whose PATH is wrong must not keep a shell looping on it after the probe gave up
    const run = spawnSync('/bin/sh', ['-c', FACTS_SCRIPT], {
      env: { PATH: '/nonexistent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.signal).toBeNull();
    expect(run.stdout).toMatch(new RegExp(`${SECTION_MARK}disk\n/(var(/lib)?)?\n`));
    expect(run.stdout).toContain(`${SECTION_MARK}end`);
    const facts = parseFacts(run.stdout, { localClockMs: Date.now(), sudo: 'nopasswd' });
    // Files are read by the shell itself, tools or not; what needs a tool is unknown.
    expect(facts.hostname).toBe(hostname());
    expect(facts.firewall.firewalld).toBeNull();
  });
});
