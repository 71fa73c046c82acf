import { useEffect, useId, useState } from 'react';
import { firstServer } from '../../../shared/spec';
import { copyText } from '../lib/files';
import { useAppStore } from '../store';
import { useSpecCheck } from '../store/use-spec';
import type { JoinOptions } from '../store/cluster-ops-slice';

/** Adding machines by hand; a rootless server runs alone, and says so instead. */
export function DoneJoin() {
  const { spec } = useSpecCheck();
  const server = spec ? firstServer(spec) : undefined;
  if (server?.rootless)
    return (
      <section className="panel" aria-labelledby="done-join-rootless">
        <h2 id="done-join-rootless">Add more machines</h2>
        <p className="help">
          {server.nodeName} runs K3s rootless: its networking is detached from the host, so no machine can
          join it (K3s does not support multi-node rootless clusters). To add machines, install a cluster as
          root.
        </p>
      </section>
    );
  return <JoinPanel />;
}

/** The line to add a machine by hand: token masked unless shown; copying fetches the real one. */
function JoinPanel() {
  const joinCommand = useAppStore((s) => s.joinCommand);
  const id = useId();
  const [options, setOptions] = useState<JoinOptions>({ role: 'agent', ttl: '24h' });
  const [shown, setShown] = useState(false);
  const [line, setLine] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void joinCommand({ ...options, reveal: shown }).then((text) => live && setLine(text));
    return () => {
      live = false;
    };
  }, [joinCommand, options, shown]);

  const copy = async () => {
    // The token is fetched for the clipboard only; the screen keeps it hidden unless shown.
    const text = await joinCommand({ ...options, reveal: true });
    setCopied(text && (await copyText(text)) ? 'Copied, with the token.' : 'Could not copy.');
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add more machines</h2>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-role`}>Join as</label>
          <select
            id={`${id}-role`}
            value={options.role}
            onChange={(e) => setOptions({ ...options, role: e.target.value as JoinOptions['role'] })}
          >
            <option value="agent">Agent</option>
            <option value="server">Server</option>
          </select>
        </div>
        {options.role === 'agent' && (
          <div className="field">
            <label htmlFor={`${id}-ttl`}>Token</label>
            <select
              id={`${id}-ttl`}
              value={options.ttl ?? ''}
              onChange={(e) => setOptions({ ...options, ttl: e.target.value || null })}
            >
              <option value="2h">Expires in 2 hours</option>
              <option value="24h">Expires in 24 hours</option>
              <option value="">The cluster token (does not expire)</option>
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-naming`}>Node name</label>
          <select
            id={`${id}-naming`}
            value={options.withNodeId ? 'id' : 'host'}
            onChange={(e) => setOptions({ ...options, withNodeId: e.target.value === 'id' })}
          >
            <option value="host">The machine’s host name</option>
            <option value="id">Host name plus a random id (--with-node-id)</option>
          </select>
        </div>
      </div>
      <p className="help">
        {options.withNodeId
          ? 'For cloned machines that share a host name: each joins under its own name, but a reinstall makes a new one (delete the old node by hand). '
          : 'Two machines with the same host name cannot both join: give each its own, or use the random id. '}
        Run this on the new machine. Anyone with the token can join machines to your cluster.
      </p>
      <pre className="commands" aria-label="Join command">
        {line ?? '…'}
      </pre>
      <div className="toolbar">
        <button type="button" onClick={() => void copy()}>
          Copy the join command
        </button>
        <button type="button" aria-pressed={shown} onClick={() => setShown(!shown)}>
          {shown ? 'Hide the token' : 'Show the token'}
        </button>
        <span className="help" role="status">
          {copied}
        </span>
      </div>
    </section>
  );
}
