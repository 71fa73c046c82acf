import type { SpecIssue } from '../../../shared/spec';

/** Problems for one part of the form; errors block going on, warnings only inform. */
export function Issues({ issues }: { issues: readonly SpecIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="issues">
      {issues.map((issue) => (
        <li key={`${issue.path}|${issue.message}`} className={`issue-${issue.severity}`}>
          <span className="visually-hidden">{issue.severity === 'error' ? 'Problem: ' : 'Warning: '}</span>
          {issue.message}
        </li>
      ))}
    </ul>
  );
}
