#!/usr/bin/env node
// A stand-in for the `docker` command (no Docker engine runs on the test machines): it records
// every argument list in $FAKE_DOCKER_DIR/calls.jsonl, keeps containers in state.json, and answers
// the commands the rehearsal uses the way Docker does, messages included. K3s "writes" its
// kubeconfig $FAKE_DOCKER_KUBECONFIG_AFTER_MS after the container starts.
// FAKE_DOCKER_ENGINE=down: the client works but the engine does not answer.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.FAKE_DOCKER_DIR;
if (!dir) {
  process.stderr.write('fake docker: FAKE_DOCKER_DIR is not set\n');
  process.exit(125);
}
const args = process.argv.slice(2);
appendFileSync(join(dir, 'calls.jsonl'), `${JSON.stringify(args)}\n`);
const statePath = join(dir, 'state.json');
const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : { containers: {} };
const save = () => writeFileSync(statePath, JSON.stringify(state));
const fail = (message, code = 1) => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};
const after = Number(process.env.FAKE_DOCKER_KUBECONFIG_AFTER_MS ?? '0');

if (process.env.FAKE_DOCKER_ENGINE === 'down' && args[0] !== '--version')
  fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');

const [command, ...rest] = args;
const find = (name) => state.containers[name];
const noSuch = (name) => fail(`Error response from daemon: No such container: ${name}`);

switch (command) {
  case 'version':
    process.stdout.write('27.5.1\n');
    break;
  case 'container': {
    if (rest[0] !== 'inspect') fail(`fake docker: container ${rest[0]} is not known`, 125);
    const name = rest[rest.length - 1];
    const c = find(name);
    if (!c) noSuch(name);
    process.stdout.write(`${c.running} ${c.image} ${c.labels['io.k3s-wizard.rehearsal'] ?? ''}\n`);
    break;
  }
  case 'run': {
    const value = (flag) => rest[rest.indexOf(flag) + 1];
    const name = value('--name');
    if (find(name))
      fail(
        `docker: Error response from daemon: Conflict. The container name "/${name}" is already in use.`,
        125,
      );
    const publish = value('--publish');
    const taken = Object.values(state.containers).some((c) => c.publish === publish);
    if (taken || process.env.FAKE_DOCKER_PORT_TAKEN === publish)
      fail(
        `docker: Error response from daemon: driver failed programming external connectivity: Bind for ${publish}: port is already allocated.`,
        125,
      );
    const labels = {};
    rest.forEach((a, i) => {
      if (a === '--label') {
        const [k, v] = rest[i + 1].split('=');
        labels[k] = v;
      }
    });
    const image = rest[rest.indexOf('server') - 1];
    state.containers[name] = {
      image,
      labels,
      publish,
      hostname: value('--hostname'),
      running: true,
      started: Date.now(),
    };
    save();
    process.stdout.write(`${'0123456789abcdef'.repeat(4)}\n`);
    break;
  }
  case 'start': {
    const c = find(rest[0]);
    if (!c) noSuch(rest[0]);
    Object.assign(c, { running: true, started: Date.now() });
    save();
    process.stdout.write(`${rest[0]}\n`);
    break;
  }
  case 'cp': {
    const [from, to] = rest;
    const [name, path] = from.split(':');
    const c = find(name);
    if (!c) noSuch(name);
    if (path !== '/etc/rancher/k3s/k3s.yaml' || !c.running || Date.now() - c.started < after)
      fail(`Error response from daemon: Could not find the file ${path} in container ${name}`);
    const b64 = (s) => Buffer.from(s).toString('base64');
    writeFileSync(
      to,
      [
        'apiVersion: v1',
        'clusters:',
        '- cluster:',
        `    certificate-authority-data: ${b64('-----BEGIN CERTIFICATE-----\nfake-ca\n-----END CERTIFICATE-----\n')}`,
        '    server: https://127.0.0.1:6443',
        '  name: default',
        'contexts:',
        '- context:',
        '    cluster: default',
        '    user: default',
        '  name: default',
        'current-context: default',
        'kind: Config',
        'preferences: {}',
        'users:',
        '- name: default',
        '  user:',
        `    client-certificate-data: ${b64('-----BEGIN CERTIFICATE-----\nfake-client\n-----END CERTIFICATE-----\n')}`,
        `    client-key-data: ${b64('-----BEGIN EC PRIVATE KEY-----\nfake-key\n-----END EC PRIVATE KEY-----\n')}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    break;
  }
  case 'exec': {
    const [name, ...cmd] = rest;
    const c = find(name);
    if (!c) noSuch(name);
    if (cmd.join(' ') !== 'kubectl get nodes -o json')
      fail(`fake docker: exec ${cmd.join(' ')} is not known`, 126);
    const version = c.image.split(':')[1].replace('-k3s', '+k3s');
    process.stdout.write(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            metadata: { name: c.hostname },
            status: {
              conditions: [{ type: 'Ready', status: Date.now() - c.started >= after ? 'True' : 'False' }],
              nodeInfo: { kubeletVersion: version },
            },
          },
        ],
      }),
    );
    break;
  }
  case 'rm': {
    const name = rest[rest.length - 1];
    if (!find(name)) noSuch(name);
    delete state.containers[name];
    save();
    process.stdout.write(`${name}\n`);
    break;
  }
  default:
    fail(`fake docker: ${command} is not known`, 125);
}
