import { Fragment, useId, useState, type FormEvent } from 'react';
import { AddingBanner } from '../components/AddingBanner';
import { fieldProps } from '../lib/field-props';
import { ERROR_TITLES } from '../../../shared/errors';
import { BulkAdd } from '../components/BulkAdd';
import { HostKeyDialog } from '../components/HostKeyDialog';
import { Issues } from '../components/Issues';
import { LoginEditor } from '../components/LoginEditor';
import { AUTH_LABELS, LoginFields } from '../components/LoginFields';
import { useAppStore, useAppStoreApi } from '../store';
import { askingFirst, type HostConnection, type HostSecrets } from '../store/connect-slice';
import { issuesAt } from '../store/spec';
import { useWizardIssues } from '../store/use-issues';
import type { AuthMethod, HostDraft, HostEntry, HostProblems } from '../store/hosts-slice';

const EMPTY: HostDraft = { address: '', port: 22, user: '', auth: 'agent', keyPath: '' };

export function HostsStep() {
  const hosts = useAppStore((s) => s.hosts);
  const addHost = useAppStore((s) => s.addHost);
  const removeHost = useAppStore((s) => s.removeHost);
  const updateHost = useAppStore((s) => s.updateHost);
  const issues = useWizardIssues();
  const [draft, setDraft] = useState<HostDraft>(EMPTY);
  const [secrets, setSecrets] = useState<HostSecrets>({});
  const [sendError, setSendError] = useState<string | null>(null);
  const sendCredentials = useAppStore((s) => s.sendCredentials);
  const testHost = useAppStore((s) => s.testHost);
  const trustHostKey = useAppStore((s) => s.trustHostKey);
  const dismissHostKey = useAppStore((s) => s.dismissHostKey);
  const connections = useAppStore((s) => s.connections);
  const [problems, setProblems] = useState<HostProblems>({});
  const [editing, setEditing] = useState<{ id: string; auth?: AuthMethod } | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulkLogin, setBulkLogin] = useState(false);
  const chosen = hosts.filter((h) => selected.has(h.id));
  const toggle = (hostId: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(hostId);
      else next.delete(hostId);
      return next;
    });
  const id = useId();

  const store = useAppStoreApi();
  // The question on screen stays there until answered (see askingFirst).
  const [shown, setShown] = useState<string | null>(null);
  const asking = askingFirst(hosts, connections, shown);
  // Remembered as it is shown (React's "adjust state while rendering": no effect, no flash).
  const askingId = asking?.host.id ?? null;
  if (askingId !== null && askingId !== shown) setShown(askingId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.auth === 'password' && !secrets.password) {
      setProblems({ auth: 'Enter the password to log in with.' });
      return;
    }
    const found = addHost(draft);
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    const added = store.getState().hosts.at(-1);
    const given = secrets;
    // The secrets leave the form now: handed to the back end, never kept in the store.
    setSecrets({});
    setDraft({ ...EMPTY, user: draft.user, auth: draft.auth, keyPath: draft.keyPath });
    if (!added) return;
    void sendCredentials(added, given).then((error) => {
      setSendError(error);
      if (!error) void testHost(added.id);
    });
  };

  const { field, problem } = fieldProps<keyof HostDraft>(id, problems);

  return (
    <>
      <AddingBanner step="hosts" />
      <form className="panel host-form" onSubmit={submit} aria-label="Add a host" noValidate>
        <div className="field grow">
          <label htmlFor={`${id}-address`}>Address</label>
          <input
            {...field('address')}
            value={draft.address}
            placeholder="192.168.1.20 or pi1.local"
            autoComplete="off"
            onChange={(e) => setDraft({ ...draft, address: e.target.value })}
          />
          {problem('address')}
        </div>
        <div className="field narrow">
          <label htmlFor={`${id}-port`}>SSH port</label>
          <input
            {...field('port')}
            type="number"
            min={1}
            max={65535}
            value={Number.isNaN(draft.port) ? '' : draft.port}
            onChange={(e) => setDraft({ ...draft, port: e.target.valueAsNumber })}
          />
          {problem('port')}
        </div>
        <LoginFields
          id={id}
          login={draft}
          secrets={secrets}
          problems={problems}
          onLogin={(login) => setDraft({ ...draft, ...login })}
          onSecrets={setSecrets}
        />
        <button type="submit" className="primary">
          Add host
        </button>
        <p className="help form-note">
          Passwords go to k3s-wizard’s back end for this session only; they are never saved or shown.
        </p>
      </form>
      {sendError && <p className="field-problem">{sendError}</p>}
      {asking && (
        // One question at a time: the next machine's key is asked about once this one is answered.
        <HostKeyDialog
          key={asking.host.id}
          address={asking.host.address}
          question={asking.question}
          onTrust={() => void trustHostKey(asking.host.id)}
          onCancel={() => dismissHostKey(asking.host.id)}
        />
      )}
      <BulkAdd />

      {hosts.length === 0 ? (
        <p className="empty">
          No hosts yet. Add the machines that will run K3s: one server and any number of agents.
        </p>
      ) : (
        <>
          {chosen.length > 0 && (
            <div className="toolbar" role="group" aria-label="Selected machines">
              <span>{chosen.length} selected</span>
              <button type="button" onClick={() => setBulkLogin(true)}>
                Set login for {chosen.length} selected
              </button>
              <button type="button" onClick={() => chosen.forEach((h) => void testHost(h.id))}>
                Test {chosen.length} selected again
              </button>
            </div>
          )}
          {bulkLogin && chosen.length > 0 && (
            <LoginEditor
              hosts={chosen}
              label={`Login for ${chosen.length} selected machines`}
              onClose={() => setBulkLogin(false)}
            />
          )}
          <table className="hosts-table">
            <caption className="visually-hidden">Hosts</caption>
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select every machine"
                    checked={chosen.length === hosts.length}
                    onChange={(e) => setSelected(new Set(e.target.checked ? hosts.map((h) => h.id) : []))}
                  />
                </th>
                <th scope="col">Address</th>
                <th scope="col">User</th>
                <th scope="col">Log in with</th>
                <th scope="col">Role</th>
                <th scope="col">Node name</th>
                <th scope="col">Connection</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hosts.map((host, index) => (
                <Fragment key={host.id}>
                  <tr>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${host.address}`}
                        checked={selected.has(host.id)}
                        onChange={(e) => toggle(host.id, e.target.checked)}
                      />
                    </td>
                    <td>
                      {host.address}
                      {host.port === 22 ? '' : `:${host.port}`}
                    </td>
                    <td>{host.user}</td>
                    <td>{AUTH_LABELS[host.auth]}</td>
                    <td>
                      <select
                        aria-label={`Role of ${host.address}`}
                        value={host.role}
                        onChange={(e) => updateHost(host.id, { role: e.target.value as 'server' | 'agent' })}
                      >
                        <option value="server">Server</option>
                        <option value="agent">Agent</option>
                      </select>
                    </td>
                    <td>
                      <input
                        aria-label={`Node name of ${host.address}`}
                        value={host.nodeName}
                        onChange={(e) => updateHost(host.id, { nodeName: e.target.value })}
                      />
                      <Issues issues={issuesAt(issues, `nodes[${index}]`)} />
                    </td>
                    <td className="connection-cell">
                      <ConnectionStatus
                        host={host}
                        connection={connections[host.id] ?? { state: 'idle' }}
                        onEdit={(auth) => setEditing({ id: host.id, ...(auth ? { auth } : {}) })}
                      />
                      <button
                        type="button"
                        onClick={() => void testHost(host.id)}
                        disabled={connections[host.id]?.state === 'testing'}
                      >
                        Test connection <span className="visually-hidden">to {host.address}</span>
                      </button>
                    </td>
                    <td>
                      <button type="button" className="link" onClick={() => setEditing({ id: host.id })}>
                        Edit login <span className="visually-hidden">for {host.address}</span>
                      </button>{' '}
                      <button type="button" className="link" onClick={() => removeHost(host.id)}>
                        Remove <span className="visually-hidden">{host.address}</span>
                      </button>
                    </td>
                  </tr>
                  {editing?.id === host.id && (
                    <tr>
                      <td colSpan={8}>
                        <LoginEditor
                          hosts={[host]}
                          label={`Login for ${host.address}`}
                          {...(editing.auth ? { auth: editing.auth } : {})}
                          onClose={() => setEditing(null)}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function ConnectionStatus({
  host,
  connection,
  onEdit,
}: {
  host: HostEntry;
  connection: HostConnection;
  onEdit: (auth?: AuthMethod) => void;
}) {
  switch (connection.state) {
    case 'idle':
      return <span className="conn conn-idle">Not tested</span>;
    case 'testing':
      return (
        <span className="conn conn-testing" role="status">
          <span className="spinner" aria-hidden="true" /> Connecting…
        </span>
      );
    case 'ok':
      return <span className="conn conn-ok">Connected: {connection.summary}</span>;
    case 'needs-trust':
      return <span className="conn conn-warn">Waiting for you to trust its key</span>;
    case 'error':
      if (connection.reason === 'no-method' && host.auth === 'agent') {
        // Nothing was sent to the machine: the agent it was told to use is not running.
        return (
          <span className="conn conn-error">
            No SSH agent is running for k3s-wizard (SSH_AUTH_SOCK is not set), so it could not log in.{' '}
            <button type="button" className="link" onClick={() => onEdit('key')}>
              Use a key file <span className="visually-hidden">for {host.address}</span>
            </button>{' '}
            <button type="button" className="link" onClick={() => onEdit('password')}>
              Use a password <span className="visually-hidden">for {host.address}</span>
            </button>
          </span>
        );
      }
      return (
        <span className="conn conn-error">
          {ERROR_TITLES[connection.code]} {connection.message}
        </span>
      );
  }
}
