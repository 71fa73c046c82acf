import { Component, type ErrorInfo, type ReactNode } from 'react';
import { CopyButton } from './CopyButton';

interface Props {
  /** What stopped working, in the user's words: "the Checks step", "k3s-wizard". */
  what: string;
  /** The button that starts it again: a step re-mounts, the app reloads the page. */
  reloadLabel: string;
  onReload?: () => void;
  children: ReactNode;
}

interface State {
  error: Error | null;
  componentStack: string;
}

/** The text "Copy the error" puts on the clipboard: enough for an issue report, nothing secret. */
export function errorReport(what: string, error: Error, componentStack: string): string {
  return [
    `k3s-wizard: ${what} stopped working`,
    `${error.name}: ${error.message}`,
    error.stack ?? '',
    componentStack ? `Component stack:${componentStack}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Catches a crash below it and shows what happened instead of a blank page. The wizard's
 * state lives in the store (and survives a reload), so nothing the user entered is lost.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, componentStack: '' };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(_error: unknown, info: ErrorInfo): void {
    this.setState({ componentStack: info.componentStack ?? '' });
  }

  private readonly reload = (): void => {
    this.setState({ error: null, componentStack: '' });
    this.props.onReload?.();
  };

  override render(): ReactNode {
    const { error, componentStack } = this.state;
    if (!error) return this.props.children;
    const { what, reloadLabel } = this.props;
    return (
      <section className="panel crash" role="alert" aria-label={`${what} stopped working`}>
        <h2>Sorry — {what} stopped working</h2>
        <p>
          What you entered is kept. Reload to try again; if it happens again, copy the error and add it to an
          issue report.
        </p>
        <pre className="commands">
          {error.name}: {error.message}
        </pre>
        <div className="toolbar">
          <button type="button" className="primary" onClick={this.reload}>
            {reloadLabel}
          </button>
          <CopyButton
            label="Copy the error"
            idle="Copy the error"
            text={errorReport(what, error, componentStack)}
          />
        </div>
      </section>
    );
  }
}
