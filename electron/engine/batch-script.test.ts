// The batch script from shared/plan/batch.ts, run by this machine's own sh as a host runs it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchMarkers, batchScript, MAX_CONCURRENT_PARTS, type BatchPart } from '../../shared/plan';
import { shJoin } from '../../shared/shell';

const NONCE = '0123456789abcdef0123';

function run(parts: BatchPart[], chunk = 7) {
  const r = spawnSync('sh', ['-s'], { input: batchScript(parts, NONCE), encoding: 'utf8' });
  // Fed in small pieces, as a stream arrives.
  const markers = new BatchMarkers(NONCE);
  let output = '';
  const seen: string[] = [];
  for (let i = 0; i < r.stdout.length; i += chunk) {
    const got = markers.feed(r.stdout.slice(i, i + chunk));
    output += got.output;
    seen.push(
      ...got.markers.map((m) => (m.type === 'start' ? `start ${m.index}` : `end ${m.index} ${m.code}`)),
    );
  }
  const last = markers.end();
  output += last.output;
  seen.push(
    ...last.markers.map((m) => (m.type === 'start' ? `start ${m.index}` : `end ${m.index} ${m.code}`)),
  );
  return { code: r.status, output, seen, stderr: r.stderr };
}

describe('batch script', () => {
  it('runs the parts in order, reports each one, and keeps their output apart from the markers', () => {
    const r = run([
      { kind: 'exec', command: shJoin(['echo', 'one']) },
      { kind: 'exec', command: shJoin(['printf', 'no newline']) },
      { kind: 'exec', command: shJoin(['echo', 'three']) },
    ]);
    expect(r.code).toBe(0);
    expect(r.seen).toEqual(['start 0', 'end 0 0', 'start 1', 'end 1 0', 'start 2', 'end 2 0']);
    expect(r.output.split('\n').filter(Boolean)).toEqual(['one', 'no newline', 'three']);
    expect(r.output).not.toContain('k3s-wizard-batch');
  });

  it('stops at the first failing part with its exit code; an optional part does not stop it', () => {
    const r = run([
      { kind: 'exec', command: shJoin(['sh', '-c', 'exit 4']), optional: true },
      { kind: 'exec', command: shJoin(['sh', '-c', 'echo boom >&2; exit 28']) },
      { kind: 'exec', command: shJoin(['echo', 'never']) },
    ]);
    expect(r.code).toBe(28);
    expect(r.seen).toEqual(['start 0', 'end 0 4', 'start 1', 'end 1 28']);
    expect(r.output).not.toContain('never');
    expect(r.stderr).toContain('boom');
  });

  it('an "already done?" part that passes ends the script there; one that fails lets the work run', () => {
    const parts = (code: number): BatchPart[] => [
      { kind: 'exec', command: shJoin(['sh', '-c', `exit ${code}`]), optional: true, endIfOk: true },
      { kind: 'exec', command: shJoin(['echo', 'work']) },
    ];
    const done = run(parts(0));
    expect(done.code).toBe(0);
    expect(done.seen).toEqual(['start 0', 'end 0 0']);
    expect(done.output).not.toContain('work');
    const todo = run(parts(1));
    expect(todo.code).toBe(0);
    expect(todo.seen).toEqual(['start 0', 'end 0 1', 'start 1', 'end 1 0']);
    expect(todo.output).toContain('work');
  });

  it('runs concurrent optional parts side by side and waits for all of them before going on', () => {
    const wait = (code: number) => ({
      kind: 'exec' as const,
      command: shJoin(['sh', '-c', `sleep 0.4; exit ${code}`]),
      optional: true,
      concurrent: true,
    });
    const r = run([wait(0), wait(3), wait(0), { kind: 'exec', command: shJoin(['echo', 'after']) }]);
    // Side by side: all three started before the first one ended (one after another, each would
    // end before the next starts). Told by order, not by time: a loaded machine is slow.
    expect(r.seen.slice(0, 3).sort()).toEqual(['start 0', 'start 1', 'start 2']);
    expect(r.code).toBe(0);
    expect([...r.seen].sort()).toEqual(
      ['start 0', 'start 1', 'start 2', 'end 0 0', 'end 1 3', 'end 2 0', 'start 3', 'end 3 0'].sort(),
    );
    // At most MAX_CONCURRENT_PARTS at once.
    const many = batchScript(
      Array.from({ length: 20 }, () => wait(0)),
      NONCE,
    );
    expect(many.match(/^ {2}wait$/gm)).toHaveLength(Math.ceil(20 / MAX_CONCURRENT_PARTS));
    // What follows starts only after every concurrent part ended.
    expect(r.seen.slice(-2)).toEqual(['start 3', 'end 3 0']);
    expect(r.output).toContain('after');
  });

  it('writes a file with any content and mode, and gives stdin to the part that wants it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'batch-'));
    const content = 'token: K10\'x"$(rm -rf /)`id`\\n\nlast line without newline';
    const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    const r = run([
      { kind: 'write-file', path: join(dir, 'config.yaml'), mode: '0600', owner, content },
      { kind: 'exec', command: shJoin(['sh', '-c', 'cat > "$1"', 'x', join(dir, 'in')]), stdin: 'a\nb' },
      // A command that reads stdin must not eat the rest of the script.
      { kind: 'exec', command: shJoin(['cat']) },
      { kind: 'exec', command: shJoin(['echo', 'after']) },
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toBe(content);
    expect(statSync(join(dir, 'config.yaml')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'in'), 'utf8')).toBe('a\nb');
    expect(r.output).toContain('after');
  });

  it('keeps content out of the command line: the secret is only in the script (stdin)', () => {
    const script = batchScript(
      [{ kind: 'write-file', path: '/etc/x', mode: '0600', owner: 'root:root', content: 'S3CRET' }],
      NONCE,
    );
    expect(script).toContain('S3CRET');
    expect(script).toMatch(/printf '%s' S3CRET \| sh -c/);
    expect(() => batchScript([], 'not hex')).toThrow(/nonce/);
  });

  it('reads only markers with its nonce and a bounded index as markers', () => {
    const markers = new BatchMarkers(NONCE);
    const got = markers.feed(
      `k3s-wizard-batch:${NONCE} start 1234567\nk3s-wizard-batch:ffffffffffffffffffff end 0 0\nk3s-wizard-batch:${NONCE} end 2 7\n`,
    );
    expect(got.markers).toEqual([{ type: 'end', index: 2, code: 7 }]);
    expect(got.output).toContain('start 1234567');
  });
});
