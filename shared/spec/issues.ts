/** One problem found in a spec, a set of facts or a plan, with where it is and what to do. */
export interface SpecIssue {
  /** Where in the spec: "nodes[2].nodeName"; "" for the spec as a whole. */
  path: string;
  severity: 'error' | 'warning';
  /** One or two sentences a person understands. */
  message: string;
  /** 1-based line in the YAML file, when the spec came from one. */
  line?: number;
}

export type PathSegment = string | number;

export function formatPath(segments: readonly PathSegment[]): string {
  return segments.reduce<string>(
    (out, segment) =>
      typeof segment === 'number' ? `${out}[${segment}]` : out === '' ? segment : `${out}.${segment}`,
    '',
  );
}

export function hasErrors(issues: readonly SpecIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/** "cluster.yaml:12: nodes[2].nodeName: …" for terminals and logs. */
export function formatIssue(issue: SpecIssue, file?: string): string {
  const where = [file && issue.line ? `${file}:${issue.line}` : file, issue.path].filter(Boolean).join(': ');
  const tag = issue.severity === 'error' ? 'error' : 'warning';
  return where ? `${tag}: ${where}: ${issue.message}` : `${tag}: ${issue.message}`;
}
