import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactText } from '../../shared/redact';
import { plainDisplay, summary } from './display';
import { RunLog } from './run-log';
import { harness, threeNodePlan, TOKEN } from '../../test-support/engine/harness';

describe('run log and plain display', () => {
  it('writes one 0600 file per run under the cluster, redacted, and a readable summary', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'k3sw-log-'));
    const log = new RunLog({ dataDir, cluster: 'lab', started: new Date('2026-01-02T03:04:05Z') }, (t) =>
      redactText(t, [TOKEN]),
    );
    expect(log.path).toBe(join(dataDir, 'clusters', 'lab', 'runs', '2026-01-02T03-04-05-000Z.log'));
    const leak = [{ match: /k3s-wizard-check.*config\.yaml/, reply: { code: 1, stdout: `echo ${TOKEN}\n` } }];
    const lines: string[] = [];
    const display = plainDisplay((t) => lines.push(t));
    const h = harness({ plan: threeNodePlan(), rules: { a1: leak } });
    const snapshot = await h.run.start();
    for (const event of h.events) {
      log.write(event);
      display.update(event, snapshot);
    }
    const text = readFileSync(log.path, 'utf8');
    expect(statSync(log.path).mode & 0o777).toBe(0o600);
    expect(text).toContain('install:a1 step-finished');
    expect(text).toContain('run-finished succeeded');
    expect(text).toContain('node a2 ready=true');
    expect(text).not.toContain(TOKEN);
    expect(lines.join('')).toContain('[a1] ✓ Install K3s agent');
    const out = summary(snapshot);
    expect(out).toMatch(/NAME\s+STATUS\s+ROLES\s+VERSION\s+ARCH\s+INTERNAL-IP/);
    expect(out).toMatch(/s1\s+Ready\s+control-plane/);
    expect(out).toContain('Cluster lab is ready');
  });
});
