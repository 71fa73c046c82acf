/**
 * A login error as the command line says it: the node's name first, then its address, then
 * the next thing to try ("is it on? ssh … to test", which keys were tried).
 */
import { AppError } from '../../shared/errors';
import type { ClusterSpec, NodeSpec } from '../../shared/spec';
import { shJoin } from '../../shared/shell';
import { describeTarget } from '../ssh/errors';

function sshCommand(node: NodeSpec): string {
  return shJoin([
    'ssh',
    ...(node.port === 22 ? [] : ['-p', String(node.port)]),
    ...(node.auth.method === 'key' ? ['-i', node.auth.keyPath] : []),
    `${node.user}@${node.address}`,
    'true',
  ]);
}

function nextStep(node: NodeSpec, code: string): string {
  const test = sshCommand(node);
  if (code === 'HOST_UNREACHABLE' || code === 'TIMEOUT')
    return ` Is it on and on this network? \`${test}\` to test.`;
  if (code === 'AUTH_FAILED') {
    const tried =
      node.auth.method === 'key'
        ? `the key ${node.auth.keyPath}`
        : node.auth.method === 'agent'
          ? 'the keys of the SSH agent (ssh-add -l lists them)'
          : 'the password given';
    return ` Tried ${tried}. \`${test}\` to test.`;
  }
  return '';
}

/** The same error, naming the node first; errors about no node of the spec pass unchanged. */
export function nameTheNode(error: unknown, spec: ClusterSpec): unknown {
  if (!(error instanceof AppError)) return error;
  const d = error.details ?? {};
  const host = typeof d.host === 'string' ? d.host.toLowerCase() : null;
  if (!host) return error;
  const node = spec.nodes.find(
    (n) =>
      n.address.toLowerCase() === host &&
      (d.port === undefined || n.port === d.port) &&
      (d.user === undefined || n.user === d.user),
  );
  if (!node) return error;
  const where = describeTarget({ host: node.address, port: node.port, user: node.user });
  const rest = error.message.startsWith(where)
    ? error.message.slice(where.length).replace(/^:?\s*/, '')
    : error.message;
  if (rest.startsWith(`${node.nodeName}:`)) return error;
  return new AppError(
    error.code,
    `${node.nodeName} (${where}): ${rest}${nextStep(node, error.code)}`,
    error.details,
  );
}
