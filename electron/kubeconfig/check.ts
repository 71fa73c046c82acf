/**
 * The check from this computer: GET /api/v1/nodes with the kubeconfig's CA and client
 * certificate (or token), over node's https. A minimal client on purpose: @kubernetes/client-node
 * 2.x needs Node 22 (undici 8), and one authenticated GET needs none of the rest.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { isIP } from 'node:net';
import { AppError } from '../../shared/errors';
import { parseNodeList, type NodeInfo } from '../../shared/run';
import { parseKubeconfig, resolveContext } from './merge';

function material(entry: Record<string, unknown>, data: string, file: string): Buffer | undefined {
  const inline = entry[data];
  if (typeof inline === 'string') return Buffer.from(inline, 'base64');
  const path = entry[file];
  if (typeof path === 'string') return readFileSync(path);
  return undefined;
}

const WHY: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (is the API port open to this computer?)',
  ETIMEDOUT: 'it did not answer (a firewall may drop the API port)',
  EHOSTUNREACH: 'there is no route to it',
  ENOTFOUND: 'the name could not be resolved',
  ERR_TLS_CERT_ALTNAME_INVALID:
    'the address is not in the server’s certificate: add it to the cluster’s TLS names (tlsSans) and run again',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not signed by the cluster’s CA',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is not signed by the cluster’s CA',
};

/** Lists the nodes through the API named by `contextName` in the kubeconfig at `path`. */
export function listNodesFromHere(options: {
  path: string;
  contextName: string;
  timeoutMs?: number;
}): Promise<NodeInfo[]> {
  const config = parseKubeconfig(readFileSync(options.path, 'utf8'), options.path);
  const { server, cluster, user } = resolveContext(config, options.contextName);
  const url = new URL('/api/v1/nodes', server);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const ca = material(cluster, 'certificate-authority-data', 'certificate-authority');
  const cert = material(user, 'client-certificate-data', 'client-certificate');
  const key = material(user, 'client-key-data', 'client-key');
  const token = typeof user.token === 'string' ? user.token : undefined;
  const fail = (why: string) =>
    new AppError(
      'API_UNREACHABLE',
      `The cluster’s API at ${server} could not be used from this computer: ${why}.`,
      {
        server,
      },
    );
  return new Promise<NodeInfo[]>((resolve, reject) => {
    const req = request(
      {
        host,
        port: url.port || 443,
        path: url.pathname,
        method: 'GET',
        ...(ca ? { ca } : {}),
        ...(cert && key ? { cert, key } : {}),
        ...(isIP(host) ? {} : { servername: host }),
        headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(fail(`it answered HTTP ${res.statusCode ?? '?'}`));
          try {
            resolve(parseNodeList(body));
          } catch (error) {
            reject(fail(`its answer was not a node list (${(error as Error).message})`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error instanceof AppError ? error : fail(WHY[error.code ?? ''] ?? error.message)),
    );
    req.end();
  });
}
