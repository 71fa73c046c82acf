import { useId, useState, type FormEvent } from 'react';
import { ERROR_TITLES } from '../../../shared/errors';
import { BulkAdd } from '../components/BulkAdd';
import { HostKeyDialog } from '../components/HostKeyDialog';
import { Issues } from '../components/Issues';
import { useAppStore, useAppStoreApi } from '../store';
import type { HostConnection, HostSecrets } from '../store/connect-slice';
import { issuesAt } from '../store/spec';
import { useWizardIssues } from '../store/use-issues';
import type { AuthMethod, HostDraft, HostProblems } from '../store/hosts-slice';

const EMPTY: HostDraft = { address: '', port: 22, user: '', auth: 'agent', keyPath: '' };

const AUTH_LABELS: Record<AuthMethod, string> = {
  agent: 'SSH agent',
  key: 'Private key file',
  password: 'Password',
};

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
  const canRemember = useAppStore((s) => s.info?.rememberCredentials ?? false);
  const nativeDialogs = useAppStore((s) => s.info?.nativeDialogs ?? false);
  const pickPath = useAppStore((s) => s.pickPath);
  const [problems, setProblems] = useState<HostProblems>({});
  const id = useId();

  const store = useAppStoreApi();
  const asking = hosts
    .map((host) => ({ host, connection: connections[host.id] }))
    .flatMap(({ host, connection }) =>
      connection?.state === 'needs-trust' ? [{ host, question: connection.question }] : [],
    )[0];
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

  const field = (name: keyof HostDraft) => ({
    id: `${id}-${name}`,
    'aria-invalid': problems[name] ? true : undefined,
    'aria-describedby': problems[name] ? `${id}-${name}-problem` : undefined,
  });
  const problem = (name: keyof HostDraft) =>
    problems[name] ? (
      <p className="field-problem" id={`${id}-${name}-problem`}>
        {problems[name]}
      </p>
    ) : null;

  return (
    <>
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
        <div className="field">
          <label htmlFor={`${id}-user`}>User</label>
          <input
            {...field('user')}
            value={draft.user}
            placeholder="pi"
            autoComplete="off"
            onChange={(e) => setDraft({ ...draft, user: e.target.value })}
          />
          {problem('user')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-auth`}>Log in with</label>
          <select
            {...field('auth')}
            value={draft.auth}
            onChange={(e) => setDraft({ ...draft, auth: e.target.value as AuthMethod })}
          >
            {Object.entries(AUTH_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {draft.auth === 'key' && (
          <div className="field grow">
            <label htmlFor={`${id}-keyPath`}>Key file</label>
            <input
              {...field('keyPath')}
              value={draft.keyPath}
              placeholder="~/.ssh/id_ed25519"
              onChange={(e) => setDraft({ ...draft, keyPath: e.target.value })}
            />
            {nativeDialogs && (
              <button
                type="button"
                onClick={() =>
                  void pickPath('file', 'Choose the private key').then(
                    (path) => path && setDraft({ ...draft, keyPath: path }),
                  )
                }
              >
                Browse…
              </button>
            )}
            {problem('keyPath')}
          </div>
        )}
        {draft.auth === 'password' && (
          <div className="field">
            <label htmlFor={`${id}-password`}>Password</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="off"
              value={secrets.password ?? ''}
              onChange={(e) => setSecrets({ ...secrets, password: e.target.value })}
            />
            {problem('auth')}
          </div>
        )}
        {draft.auth === 'key' && (
          <div className="field">
            <label htmlFor={`${id}-passphrase`}>Key passphrase</label>
            <input
              id={`${id}-passphrase`}
              type="password"
              autoComplete="off"
              placeholder="if the key has one"
              value={secrets.passphrase ?? ''}
              onChange={(e) => setSecrets({ ...secrets, passphrase: e.target.value })}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-sudo`}>sudo password</label>
          <input
            id={`${id}-sudo`}
            type="password"
            autoComplete="off"
            placeholder="if sudo asks for one"
            value={secrets.sudoPassword ?? ''}
            onChange={(e) => setSecrets({ ...secrets, sudoPassword: e.target.value })}
          />
        </div>
        {canRemember && (
          <label className="check">
            <input
              type="checkbox"
              checked={secrets.remember ?? false}
              onChange={(e) => setSecrets({ ...secrets, remember: e.target.checked })}
            />
            Remember the passwords on this computer (encrypted by the system keychain)
          </label>
        )}
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
        <table className="hosts-table">
          <caption className="visually-hidden">Hosts</caption>
          <thead>
            <tr>
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
              <tr key={host.id}>
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
                  <ConnectionStatus connection={connections[host.id] ?? { state: 'idle' }} />
                  <button
                    type="button"
                    onClick={() => void testHost(host.id)}
                    disabled={connections[host.id]?.state === 'testing'}
                  >
                    Test connection <span className="visually-hidden">to {host.address}</span>
                  </button>
                </td>
                <td>
                  <button type="button" className="link" onClick={() => removeHost(host.id)}>
                    Remove <span className="visually-hidden">{host.address}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ConnectionStatus({ connection }: { connection: HostConnection }) {
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
      return (
        <span className="conn conn-error">
          {ERROR_TITLES[connection.code]} {connection.message}
        </span>
      );
  }
}
