// `npm run lint` runs this: the import graph of the TypeScript sources (type-only imports count
// too) may have no cycle that crosses folders, no product file may import test support
// (test-support/) or the lab (e2e/), and only the command line itself imports electron/cli/
// (it is one front over the back end, like the desktop and the browser). Prints each problem
// and exits 1 when there is one.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/** Source roots, relative to the repository. */
export const ROOTS = ['electron', 'shared', 'renderer/src', 'test-support', 'e2e', 'scripts'];

/** Imports by file; files and targets are repository-relative with forward slashes. */
export type ImportGraph = Map<string, string[]>;

const SOURCE = /\.(ts|tsx|mts)$/;

/** The relative module specifiers a file imports, exports from, or loads with import(). */
export function specifiersOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) found.push(literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((specifier) => specifier.startsWith('.'));
}

function resolveSpecifier(root: string, from: string, specifier: string): string | null {
  const base = resolve(root, dirname(from), specifier.replace(/\.m?js$/, ''));
  const candidates = [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    `${base}.mts`,
    join(base, 'index.ts'),
    join(base, 'index.tsx'),
  ];
  for (const candidate of candidates) {
    if (SOURCE.test(candidate) && existsSync(candidate) && statSync(candidate).isFile()) {
      return relative(root, candidate).split(sep).join('/');
    }
  }
  return null;
}

function sourceFiles(root: string, folder: string): string[] {
  const absolute = join(root, folder);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name).split(sep).join('/'))
    .filter(
      (name) => SOURCE.test(name) && !name.endsWith('.d.ts') && !/(^|\/)(node_modules|out)\//.test(name),
    );
}

/** Reads the import graph of every source file under ROOTS. */
export function readGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of ROOTS.flatMap((folder) => sourceFiles(root, folder))) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = specifiersOf(file, text)
      .map((specifier) => resolveSpecifier(root, file, specifier))
      .filter((target): target is string => target !== null);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan), each sorted. */
export function cyclesOf(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const connect = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) connect(file);
  return components.sort((a, b) => b.length - a.length || a[0]!.localeCompare(b[0]!));
}

const folderOf = (file: string): string => dirname(file);

/** Tests, benchmarks, test support, the lab and the scripts are not product code. */
export function isProduct(file: string): boolean {
  if (/\.(test|bench)\.tsx?$/.test(file)) return false;
  return !/^(test-support|e2e|scripts)\//.test(file);
}

const CLI = 'electron/cli/';

export interface GraphProblems {
  /** Import cycles whose files sit in more than one folder. */
  crossFolderCycles: string[][];
  /** Product files importing test support or the lab: "from → to". */
  testImports: string[];
  /** Product files outside electron/cli/ importing the command line: "from → to". */
  cliImports: string[];
}

export function problemsOf(graph: ImportGraph): GraphProblems {
  const crossFolderCycles = cyclesOf(graph).filter((component) => new Set(component.map(folderOf)).size > 1);
  const testImports: string[] = [];
  const cliImports: string[] = [];
  for (const [file, targets] of graph) {
    if (!isProduct(file)) continue;
    for (const target of targets) {
      if (/^(test-support|e2e)\//.test(target)) testImports.push(`${file} → ${target}`);
      if (target.startsWith(CLI) && !file.startsWith(CLI)) cliImports.push(`${file} → ${target}`);
    }
  }
  return { crossFolderCycles, testImports: testImports.sort(), cliImports: cliImports.sort() };
}

/** One line a problem; empty when the graph is clean. */
export function describe(problems: GraphProblems): string[] {
  return [
    ...problems.crossFolderCycles.map(
      (component) =>
        `import cycle across ${new Set(component.map(folderOf)).size} folders (${component.length} files): ${component.join(', ')}`,
    ),
    ...problems.testImports.map((edge) => `product code imports test support or the lab: ${edge}`),
    ...problems.cliImports.map((edge) => `only the command line imports electron/cli/: ${edge}`),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = resolve(import.meta.dirname, '..');
  const graph = readGraph(root);
  const lines = describe(problemsOf(graph));
  for (const line of lines) console.error(line);
  if (lines.length > 0) process.exit(1);
  console.log(
    `import graph: ${graph.size} files, no cycle across folders, no product import of test support or the command line`,
  );
}
