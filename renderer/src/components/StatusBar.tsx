import { useAppStore } from '../store';

const CONNECTION_TEXT = {
  connecting: 'Connecting to the back end…',
  open: 'Connected',
  closed: 'Disconnected from the back end — retrying…',
} as const;

export function StatusBar() {
  const info = useAppStore((s) => s.info);
  const connection = useAppStore((s) => s.connection);
  const backendError = useAppStore((s) => s.backendError);
  return (
    <footer className="status-bar">
      <span role="status" className={`connection ${connection}`}>
        {backendError ?? CONNECTION_TEXT[connection]}
      </span>
      <span className="version" data-testid="app-version">
        {info ? `${info.name} ${info.version} · ${info.front}` : ''}
      </span>
    </footer>
  );
}
