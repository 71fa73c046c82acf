import { rotateAdvice } from '../../../shared/day-two/tokens';
import { useAppStore } from '../store';

/**
 * "Rotate the cluster token": what it changes (said before anything is done), then a button and
 * a confirmation; the run shows in the day-two run view like an upgrade. Where this K3s cannot
 * rotate, only the reason.
 */
export function RotateTokenPanel({ version, server }: { version: string; server: string }) {
  const hosts = useAppStore((s) => s.hosts);
  const busy = useAppStore((s) => s.dayTwoBusy);
  const running = useAppStore((s) => s.dayTwoRun?.snapshot?.status === 'running');
  const startRotate = useAppStore((s) => s.startRotate);
  const servers = hosts.filter((h) => h.role === 'server').map((h) => h.nodeName);
  const advice = rotateAdvice({
    version,
    server,
    servers,
    agents: hosts.filter((h) => h.role === 'agent').map((h) => h.nodeName),
  });
  return (
    <details className="rotate-token">
      <summary>Rotate the cluster token{advice.supported ? '' : ' (not with this K3s)'}</summary>
      <pre className="commands" aria-label="What rotating the cluster token changes">
        {advice.lines.join('\n')}
      </pre>
      {advice.supported && (
        <div className="toolbar">
          <button
            type="button"
            className="danger"
            disabled={busy !== null || running}
            onClick={() => {
              if (
                window.confirm(
                  `Rotate the cluster token? Every node is restarted with the new one (servers one at a time, then agents), and join commands with the old token stop working.`,
                )
              )
                void startRotate();
            }}
          >
            Rotate the cluster token…
          </button>
        </div>
      )}
    </details>
  );
}
