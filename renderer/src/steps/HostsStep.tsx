import { useId, useState, type FormEvent } from 'react';
import { Issues } from '../components/Issues';
import { useAppStore } from '../store';
import { issuesAt } from '../store/spec';
import { useSpecCheck } from '../store/use-spec';
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
  const { issues } = useSpecCheck();
  const [draft, setDraft] = useState<HostDraft>(EMPTY);
  const [problems, setProblems] = useState<HostProblems>({});
  const id = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = addHost(draft);
    setProblems(found);
    if (Object.keys(found).length === 0)
      setDraft({ ...EMPTY, user: draft.user, auth: draft.auth, keyPath: draft.keyPath });
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
            {problem('keyPath')}
          </div>
        )}
        <button type="submit" className="primary">
          Add host
        </button>
      </form>

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
