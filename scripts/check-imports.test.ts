import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cyclesOf,
  describe as describeProblems,
  problemsOf,
  readGraph,
  specifiersOf,
  type ImportGraph,
} from './check-imports';

const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe('specifiersOf', () => {
  it('finds imports, type imports, re-exports and import() but not packages', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "export { c } from './c';",
      "export * from './d';",
      "import 'zod';",
      "const e = await import('./e');",
      "type F = import('./f').F;",
    ].join('\n');
    expect(specifiersOf('x.ts', text)).toEqual(['./a', '../b', './c', './d', './e', './f']);
  });
});

describe('problemsOf', () => {
  it('reports a cycle that crosses folders, not one inside a folder', () => {
    const graph = graphOf({
      'electron/backend/index.ts': ['electron/cli/commands/plan.ts'],
      'electron/cli/commands/plan.ts': ['electron/cli/program.ts'],
      'electron/cli/program.ts': ['electron/backend/index.ts'],
      'renderer/src/store/a.ts': ['renderer/src/store/b.ts'],
      'renderer/src/store/b.ts': ['renderer/src/store/a.ts'],
    });
    expect(cyclesOf(graph)).toHaveLength(2);
    const problems = problemsOf(graph);
    expect(problems.crossFolderCycles).toEqual([
      ['electron/backend/index.ts', 'electron/cli/commands/plan.ts', 'electron/cli/program.ts'],
    ]);
    expect(describeProblems(problems).join('\n')).toContain('import cycle across 3 folders (3 files)');
  });

  it('reports product code importing test support, the lab or the command line; tests may', () => {
    const problems = problemsOf(
      graphOf({
        'electron/engine/run.ts': ['test-support/engine/fake-runner.ts', 'e2e/lab/index.ts'],
        'electron/engine/service.ts': ['electron/cli/commands/plan.ts'],
        'electron/cli/commands/apply.ts': ['electron/cli/commands/plan.ts'],
        'electron/engine/run.test.ts': ['test-support/engine/harness.ts', 'electron/cli/program.ts'],
        'test-support/engine/lab.ts': ['e2e/lab/index.ts', 'electron/cli/program.ts'],
        'shared/plan/plan.test.ts': ['test-support/shared/spec.ts'],
      }),
    );
    expect(problems.testImports).toEqual([
      'electron/engine/run.ts → e2e/lab/index.ts',
      'electron/engine/run.ts → test-support/engine/fake-runner.ts',
    ]);
    expect(problems.cliImports).toEqual(['electron/engine/service.ts → electron/cli/commands/plan.ts']);
    expect(problems.crossFolderCycles).toEqual([]);
  });
});

describe('readGraph', () => {
  it('resolves relative imports to files and folders with an index', () => {
    const root = mkdtempSync(join(tmpdir(), 'imports-'));
    const write = (file: string, text: string) => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    };
    write('electron/backend/index.ts', "import { x } from '../engine';\nimport 'node:fs';\n");
    write('electron/engine/index.ts', "export { x } from './x.js';\n");
    write('electron/engine/x.ts', "import type { Y } from '../backend';\nexport const x = 1;\n");
    const graph = readGraph(root);
    expect(graph.get('electron/backend/index.ts')).toEqual(['electron/engine/index.ts']);
    expect(graph.get('electron/engine/index.ts')).toEqual(['electron/engine/x.ts']);
    expect(problemsOf(graph).crossFolderCycles).toHaveLength(1);
  });
});
