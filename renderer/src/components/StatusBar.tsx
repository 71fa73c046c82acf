import { useAppStore } from '../store';

const CONNECTION_TEXT = {
  connecting: 'Connecting to the back end…',
  open: 'Connected',
  closed:
    'Not connected to the back end — retrying. If you restarted k3s-wizard, open the new address it printed.',
  'no-key':
    'This page has no session with the back end (k3s-wizard was restarted?). Open the new address that “k3s-wizard serve” printed in the terminal.',
} as const;

export function StatusBar() {
  const info = useAppStore((s) => s.info);
  const connection = useAppStore((s) => s.connection);
  const backendError = useAppStore((s) => s.backendError);
  const logOpen = useAppStore((s) => s.logOpen);
  const toggleLog = useAppStore((s) => s.toggleLog);
  return (
    <footer className="status-bar">
      <span role="status" className={`connection ${connection}`}>
        {connection === 'open' && backendError ? backendError : CONNECTION_TEXT[connection]}
      </span>
      <button
        type="button"
        className="link"
        aria-expanded={logOpen}
        aria-controls="app-log"
        onClick={toggleLog}
      >
        {logOpen ? 'Hide log' : 'Show log'}
      </button>
      <span className="version" data-testid="app-version">
        {info ? `${info.name} ${info.version} · ${info.front}` : ''}
      </span>
    </footer>
  );
}
