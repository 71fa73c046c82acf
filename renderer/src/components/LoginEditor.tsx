import { useId, useState, type FormEvent } from 'react';
import { useAppStore, useAppStoreApi } from '../store';
import type { HostSecrets } from '../store/connect-slice';
import type { AuthMethod, HostEntry, HostProblems } from '../store/hosts-slice';
import { LoginFields, type Login } from './LoginFields';

/**
 * Corrects how to log in to one machine on its own row, or to a selection of them at once,
 * then tests their connections again.
 */
export function LoginEditor({
  hosts,
  label,
  auth,
  onClose,
}: {
  hosts: readonly HostEntry[];
  /** The form's name: "Login for 10.0.0.5", "Login for 12 selected machines". */
  label: string;
  /** The method to start with (when chosen from a "no agent" notice). */
  auth?: AuthMethod;
  onClose: () => void;
}) {
  const id = useId();
  const store = useAppStoreApi();
  const updateLogin = useAppStore((s) => s.updateLogin);
  const sendCredentials = useAppStore((s) => s.sendCredentials);
  const testHost = useAppStore((s) => s.testHost);
  const first = hosts[0];
  const [login, setLogin] = useState<Login>({
    user: first?.user ?? '',
    auth: auth ?? first?.auth ?? 'agent',
    keyPath: first?.keyPath ?? '',
  });
  const [port, setPort] = useState(first?.port ?? 22);
  const [secrets, setSecrets] = useState<HostSecrets>({});
  const [problems, setProblems] = useState<HostProblems>({});
  const [sendError, setSendError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (login.auth === 'password' && !secrets.password) {
      setProblems({ auth: 'Enter the password to log in with.' });
      return;
    }
    const problems: HostProblems = {};
    // One machine: its port can change too; a selection keeps each machine's own port.
    const single = hosts.length === 1;
    for (const host of hosts)
      Object.assign(problems, updateLogin(host.id, { ...login, port: single ? port : host.port }));
    setProblems(problems);
    if (Object.keys(problems).length > 0) return;
    const given = secrets;
    setSecrets({});
    const updated = hosts.flatMap((h) => store.getState().hosts.filter((x) => x.id === h.id));
    void Promise.all(updated.map((host) => sendCredentials(host, given))).then((errors) => {
      const error = errors.find((e) => e !== null) ?? null;
      setSendError(error);
      if (error) return;
      onClose();
      for (const host of updated) void testHost(host.id);
    });
  };

  return (
    <form className="host-form login-editor" aria-label={label} onSubmit={submit} noValidate>
      {hosts.length === 1 && (
        <div className="field narrow">
          <label htmlFor={`${id}-port`}>SSH port</label>
          <input
            id={`${id}-port`}
            type="number"
            min={1}
            max={65535}
            aria-invalid={problems.port ? true : undefined}
            value={Number.isNaN(port) ? '' : port}
            onChange={(e) => setPort(e.target.valueAsNumber)}
          />
          {problems.port && <p className="field-problem">{problems.port}</p>}
          {problems.address && <p className="field-problem">{problems.address}</p>}
        </div>
      )}
      <LoginFields
        id={id}
        login={login}
        secrets={secrets}
        problems={problems}
        onLogin={setLogin}
        onSecrets={setSecrets}
      />
      <button type="submit" className="primary">
        Save and test again
      </button>
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      {sendError && <p className="field-problem">{sendError}</p>}
    </form>
  );
}
