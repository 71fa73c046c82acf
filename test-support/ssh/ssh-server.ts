/**
 * An in-process SSH server for unit tests (ssh2's Server): real key exchange, host keys,
 * password / public-key / keyboard-interactive logins, and exec that runs the command with the
 * local `sh`, so stdout, stderr, exit codes, stdin and signals are genuine.
 */
import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import ssh2, { type Connection } from 'ssh2';

const { Server, utils } = ssh2;

export interface TestServerOptions {
  user?: string;
  password?: string;
  /** OpenSSH public key line(s) accepted for publickey logins. */
  authorizedKeys?: string[];
  keyboardInteractive?: boolean;
  /** Hang up on the first N logins once the key exchange is done (a busy or restarting sshd). */
  hangUpOnLogin?: number;
}

export interface TestServer {
  port: number;
  hostKey: string;
  /** The host key blob clients see (what known_hosts stores). */
  hostKeyBlob: Buffer;
  /** Commands received, in order. */
  commands: string[];
  /** Login requests received, in order: the method, and for a key whether it came signed. */
  logins: { method: string; signed: boolean }[];
  /** Connections accepted so far (each login attempt is one). */
  readonly connectionsSeen: number;
  /** Cuts every connection, like a killed sshd. */
  dropAll(): void;
  close(): Promise<void>;
}

export interface TestKeyPair {
  /** OpenSSH private key (encrypted when a passphrase was given). */
  private: string;
  /** OpenSSH public key line. */
  public: string;
  /** The public key blob (what known_hosts stores). */
  blob: Buffer;
}

/**
 * An ed25519 key pair that ssh2 itself can read back. ssh2's generateKeyPairSync strips leading
 * zero bytes of the key, so about 1 pair in 256 is one its own parseKey rejects (a known upstream
 * bug): such a pair is made again, so no test ever depends on the chance.
 */
export function newKeyPair(options: { passphrase?: string; rounds?: number } = {}): TestKeyPair {
  const { passphrase } = options;
  const generate = () =>
    passphrase === undefined
      ? utils.generateKeyPairSync('ed25519')
      : // one KDF round: the passphrase path is what is tested, not bcrypt's cost
        utils.generateKeyPairSync('ed25519', {
          passphrase,
          cipher: 'aes256-ctr',
          rounds: options.rounds ?? 1,
        });
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const pair = generate();
    const pub = utils.parseKey(pair.public);
    const priv = utils.parseKey(pair.private, passphrase);
    if (pub instanceof Error || priv instanceof Error) continue;
    const blob = pub.getPublicSSH();
    if (!blob.equals(priv.getPublicSSH())) continue;
    return { private: pair.private, public: pair.public, blob };
  }
  throw new Error('ssh2 made 20 unreadable ed25519 keys in a row');
}

export function newHostKey(): { private: string; blob: Buffer } {
  const { private: privateKey, blob } = newKeyPair();
  return { private: privateKey, blob };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startTestServer(
  options: TestServerOptions = {},
  hostKey = newHostKey(),
): Promise<TestServer> {
  const user = options.user ?? 'lab';
  const keys = (options.authorizedKeys ?? []).map((line) => {
    const key = utils.parseKey(line);
    if (key instanceof Error) throw key;
    return key;
  });
  const sockets = new Set<Socket>();
  const connections = new Set<Connection>();
  const commands: string[] = [];
  const logins: TestServer['logins'] = [];
  let hangUps = 0;
  let seen = 0;

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.add(client);
    seen += 1;
    client.on('close', () => connections.delete(client));
    client.on('error', () => undefined);
    let hungUp = false;
    client.on('authentication', (ctx) => {
      if (hungUp) return;
      if ((options.hangUpOnLogin ?? 0) > hangUps) {
        hangUps += 1;
        hungUp = true;
        client.end();
        return;
      }
      logins.push({ method: ctx.method, signed: ctx.method === 'publickey' && Boolean(ctx.signature) });
      if (ctx.username !== user) return ctx.reject();
      if (ctx.method === 'password' && options.password && same(ctx.password, options.password))
        return ctx.accept();
      if (ctx.method === 'keyboard-interactive' && options.keyboardInteractive && options.password) {
        const password = options.password;
        ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) =>
          answers[0] !== undefined && same(answers[0], password) ? ctx.accept() : ctx.reject(),
        );
        return;
      }
      if (ctx.method === 'publickey') {
        const key = keys.find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data));
        if (
          key &&
          (!ctx.signature || !ctx.blob || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true)
        )
          return ctx.accept();
      }
      const methods = [
        'publickey',
        ...(options.password ? ['password'] : []),
        ...(options.keyboardInteractive ? ['keyboard-interactive'] : []),
      ];
      ctx.reject(methods as never);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command);
          const stream = acceptExec();
          const child = spawn('sh', ['-c', info.command], { stdio: 'pipe' });
          stream.pipe(child.stdin).on('error', () => undefined);
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          session.on('signal', (_a, _r, sig) => child.kill(`SIG${sig.name}` as NodeJS.Signals));
          stream.on('close', () => child.kill('SIGKILL'));
          child.on('close', (code, signal) => {
            if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '');
            else stream.exit(code ?? 0);
            stream.end();
          });
        });
      });
    });
  });
  // Our own listener hands sockets to ssh2, so a test can cut them like a killed sshd.
  const listener = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    server.injectSocket(socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as AddressInfo).port,
    hostKey: hostKey.private,
    hostKeyBlob: hostKey.blob,
    commands,
    logins,
    get connectionsSeen() {
      return seen;
    },
    dropAll() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}
