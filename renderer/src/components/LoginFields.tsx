import type { HostSecrets } from '../store/connect-slice';
import { fieldProps } from '../lib/field-props';
import type { AuthMethod, HostDraft, HostProblems } from '../store/hosts-slice';
import { useAppStore } from '../store';

export const AUTH_LABELS: Record<AuthMethod, string> = {
  agent: 'SSH agent',
  key: 'Private key file',
  password: 'Password',
};

export type Login = Pick<HostDraft, 'user' | 'auth' | 'keyPath'>;

/** Says so when the agent login cannot work on this back end, and offers the other two. */
export function NoAgentNotice({ onChoose }: { onChoose: (auth: 'key' | 'password') => void }) {
  return (
    <div className="no-agent" role="status">
      <p>
        No SSH agent is running for k3s-wizard (SSH_AUTH_SOCK is not set), so it cannot log in with one. Log
        in with a key file or a password instead.
      </p>
      <button type="button" onClick={() => onChoose('key')}>
        Use a key file
      </button>
      <button type="button" onClick={() => onChoose('password')}>
        Use a password
      </button>
    </div>
  );
}

/**
 * How to log in to a machine: user, method, key file, and the secrets (kept in the form only
 * until they are handed to the back end). The add form and a row's "Edit login" share it.
 */
export function LoginFields({
  id,
  login,
  secrets,
  problems,
  onLogin,
  onSecrets,
}: {
  id: string;
  login: Login;
  secrets: HostSecrets;
  problems: HostProblems;
  onLogin: (login: Login) => void;
  onSecrets: (secrets: HostSecrets) => void;
}) {
  const canRemember = useAppStore((s) => s.info?.rememberCredentials ?? false);
  const nativeDialogs = useAppStore((s) => s.info?.nativeDialogs ?? false);
  const noAgent = useAppStore((s) => s.info !== null && !s.info.sshAgent);
  const pickPath = useAppStore((s) => s.pickPath);
  const { field, problem } = fieldProps<keyof HostDraft>(id, problems);

  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-user`}>User</label>
        <input
          {...field('user')}
          value={login.user}
          placeholder="pi"
          autoComplete="off"
          onChange={(e) => onLogin({ ...login, user: e.target.value })}
        />
        {problem('user')}
      </div>
      <div className="field">
        <label htmlFor={`${id}-auth`}>Log in with</label>
        <select
          {...field('auth')}
          value={login.auth}
          onChange={(e) => onLogin({ ...login, auth: e.target.value as AuthMethod })}
        >
          {Object.entries(AUTH_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {login.auth === 'agent' && noAgent && (
        <NoAgentNotice onChoose={(auth) => onLogin({ ...login, auth })} />
      )}
      {login.auth === 'key' && (
        <div className="field grow">
          <label htmlFor={`${id}-keyPath`}>Key file</label>
          <input
            {...field('keyPath')}
            value={login.keyPath}
            placeholder="~/.ssh/id_ed25519"
            onChange={(e) => onLogin({ ...login, keyPath: e.target.value })}
          />
          {nativeDialogs && (
            <button
              type="button"
              onClick={() =>
                void pickPath('file', 'Choose the private key').then(
                  (path) => path && onLogin({ ...login, keyPath: path }),
                )
              }
            >
              Browse…
            </button>
          )}
          {problem('keyPath')}
        </div>
      )}
      {login.auth === 'password' && (
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="off"
            value={secrets.password ?? ''}
            onChange={(e) => onSecrets({ ...secrets, password: e.target.value })}
          />
          {problem('auth')}
        </div>
      )}
      {login.auth === 'key' && (
        <div className="field">
          <label htmlFor={`${id}-passphrase`}>Key passphrase</label>
          <input
            id={`${id}-passphrase`}
            type="password"
            autoComplete="off"
            placeholder="if the key has one"
            value={secrets.passphrase ?? ''}
            onChange={(e) => onSecrets({ ...secrets, passphrase: e.target.value })}
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
          onChange={(e) => onSecrets({ ...secrets, sudoPassword: e.target.value })}
        />
      </div>
      {canRemember && (
        <label className="check">
          <input
            type="checkbox"
            checked={secrets.remember ?? false}
            onChange={(e) => onSecrets({ ...secrets, remember: e.target.checked })}
          />
          Remember the passwords on this computer (encrypted by the system keychain)
        </label>
      )}
    </>
  );
}
