/**
 * Plans for people: each step with the exact commands, secrets masked unless revealed; and the
 * whole plan as a commented shell script a person could run by hand, host by host.
 */
import { REDACTED, redactText } from '../redact';
import { shJoin, shQuote } from '../shell';
import { renderTemplate } from './template';
import type { Plan, PlanAction, PlanStep, SecretRef, Template } from './types';

export interface RenderOptions {
  reveal?: boolean;
  secrets?: Readonly<Partial<Record<SecretRef, string>>>;
}

const asRoot = (command: string, sudo: boolean): string => (sudo ? `sudo ${command}` : command);

/** The command lines of one action, as a person would type them (sudo written out). */
export function renderAction(action: PlanAction, options: RenderOptions = {}): string[] {
  switch (action.kind) {
    case 'exec': {
      const stdin = action.stdin ? ` <<'EOF'\n${renderTemplate(action.stdin, options)}\nEOF` : '';
      return [asRoot(action.command, action.sudo) + stdin];
    }
    case 'write-file':
      return [
        `sudo sh -c ${shQuote(`umask 077; cat > ${shQuote(action.path)}`)} <<'EOF'\n${renderTemplate(action.content, options).replace(/\n$/, '')}\nEOF`,
        `sudo chmod ${action.mode} ${shQuote(action.path)}`,
        `sudo chown ${action.owner} ${shQuote(action.path)}`,
      ];
    case 'upload':
      return [
        `# copy ${action.localFile} from this computer to ${action.remotePath} (mode ${action.mode})`,
        ...(action.sha256
          ? [`echo ${shQuote(`${action.sha256}  ${action.remotePath}`)} | sha256sum -c -`]
          : []),
      ];
    case 'firewall':
      return [
        ...action.runtime.flatMap((c) => [`# ${c.what}`, asRoot(c.command, true)]),
        `# now: log in again from this computer (a new SSH connection) and test ${action.paths.length ? [...new Set(action.paths.map((p) => `${p.port}/${p.proto}`))].join(', ') : 'nothing else'} from the other nodes;`,
        '# if anything fails, take the rules back:',
        ...[...action.runtime].reverse().flatMap((c) => c.undo.map((u) => `#   ${asRoot(u, true)}`)),
        ...action.permanent.flatMap((c) => [`# ${c.what}`, asRoot(c.command, true)]),
      ];
    case 'reboot-and-wait':
      return ['sudo reboot', '# wait for the machine to come back, log in again, then go on'];
    case 'wait-for':
      return [
        `until ${asRoot(action.check.command, action.check.sudo)}; do sleep ${Math.ceil(action.intervalMs / 1000)}; done`,
      ];
    case 'read-secret':
      return [`${asRoot(shJoin(['cat', action.path]), action.sudo)}   # ${action.as}: keep it secret`];
    case 'check-files':
      return action.files.map((f) =>
        f.sha256
          ? `echo ${shQuote(`${f.sha256}  ${f.localFile}`)} | sha256sum -c -   # on this computer`
          : `test -f ${shQuote(f.localFile)}   # on this computer (no checksum known)`,
      );
    case 'remove-kubeconfig':
      return [`# on this computer: ${action.what}`];
    case 'save-kubeconfig':
      return [
        `# on this computer: take the kubeconfig read above, set server: ${action.server},`,
        `# rename cluster, user and context "default" to ${shQuote(action.contextName)} and ${action.file === 'merge' ? 'merge it into ~/.kube/config' : 'save it as a file of its own'}`,
      ];
  }
}

/** One step for the review screen: title, then what each action does and its exact commands. */
export function renderStep(step: PlanStep, options: RenderOptions = {}): string {
  const lines = [`[${step.phase}] ${step.host}: ${step.title}`];
  if (step.alreadyDone)
    lines.push(
      `  skipped when: ${asRoot(step.alreadyDone.command, step.alreadyDone.sudo).split('\n').join('\n      ')}`,
    );
  if (step.secrets.length) lines.push(`  needs: ${step.secrets.join(', ')}`);
  if (step.dependsOn.length) lines.push(`  after: ${step.dependsOn.join(', ')}`);
  for (const note of step.notes) lines.push(`  note: ${note}`);
  for (const action of step.actions) {
    lines.push(`  - ${action.what}`);
    for (const line of renderAction(action, options))
      lines.push(...line.split('\n').map((l) => `      ${l}`));
  }
  return lines.join('\n');
}

/**
 * The plan for people to read; like the script, it goes through the redaction (a mirror URL's
 * password, say) unless asked to reveal the secrets.
 */
export function planToText(plan: Plan, options: RenderOptions = {}): string {
  const out: string[] = [`Plan for cluster ${plan.cluster}: ${plan.steps.length} steps`];
  for (const phase of plan.phases) {
    const steps = plan.steps.filter((s) => s.phase === phase.id);
    if (!steps.length) continue;
    out.push('', `== ${phase.title} ==`);
    for (const step of steps) out.push('', renderStep(step, options));
  }
  const text = `${out.join('\n')}\n`;
  return options.reveal ? text : redactText(text);
}

/** Secrets become shell variables the person sets: "${K3S_TOKEN}" in an unquoted heredoc. */
const SCRIPT_VAR: Record<SecretRef, string> = { token: 'K3S_TOKEN', kubeconfig: 'KUBECONFIG_TEXT' };

/** A YAML value in a heredoc: double-quoted, its quotes and backslashes escaped first (sed). */
const yamlVar = (ref: SecretRef) => `${SCRIPT_VAR[ref]}_YAML`;

function heredocBody(template: Template): string {
  return template
    .map((part) =>
      'text' in part
        ? part.text.replace(/[\\$`]/g, (c) => `\\${c}`)
        : part.quote === 'yaml'
          ? `"\${${yamlVar(part.secret)}}"`
          : `\${${SCRIPT_VAR[part.secret]}}`,
    )
    .join('')
    .replace(/\n$/, '');
}

function scriptAction(action: PlanAction): string[] {
  if (action.kind === 'write-file' && action.content.some((p) => 'secret' in p)) {
    const yamlRefs = new Set(
      action.content.flatMap((p) => ('secret' in p && p.quote === 'yaml' ? [p.secret] : [])),
    );
    return [
      ...[...yamlRefs].map(
        (ref) => `${yamlVar(ref)}=$(printf '%s\\n' "$${SCRIPT_VAR[ref]}" | sed 's/[\\\\"]/\\\\&/g')`,
      ),
      `sudo sh -c ${shQuote(`umask 077; cat > ${shQuote(action.path)}`)} <<EOF\n${heredocBody(action.content)}\nEOF`,
      `sudo chmod ${action.mode} ${shQuote(action.path)}`,
    ];
  }
  if (action.kind === 'read-secret' && action.as === 'token') {
    return [`K3S_TOKEN=$(${asRoot(shJoin(['cat', action.path]), action.sudo)})`];
  }
  return renderAction(action);
}

/**
 * A commented script, host by host; each step is skipped when its check says it is done.
 * It is made to be saved and shared: it goes through the app's redaction like everything that
 * leaves (a password in a mirror URL, say), and holds secrets only as shell variables.
 */
export function planToScript(plan: Plan): string {
  const out = [
    '#!/bin/sh',
    `# Install plan for K3s cluster ${plan.cluster}, written by k3s-wizard.`,
    '# Run each section on the machine it names, in order. Steps check first whether they are done.',
    `# Secrets are not in this file: where a step needs the join token, set K3S_TOKEN (${REDACTED}) first.`,
    'set -eu',
  ];
  for (const step of plan.steps) {
    out.push('', `# ── on ${step.host}: ${step.title} [${step.phase}] ──`);
    for (const note of step.notes) out.push(`# note: ${note}`);
    if (step.secrets.includes('token'))
      out.push(
        ': "${K3S_TOKEN:?set K3S_TOKEN to the join token (sudo cat /var/lib/rancher/k3s/server/token on the first server)}"',
      );
    const body: string[] = [];
    for (const action of step.actions) body.push(`# ${action.what}`, ...scriptAction(action));
    if (step.alreadyDone) {
      out.push(
        `if ${asRoot(step.alreadyDone.command, step.alreadyDone.sudo)}; then`,
        `  echo ${shQuote(`already done: ${step.title}`)}`,
        'else',
      );
      // Heredoc bodies must stay at column 0, so the block is not indented.
      out.push(...body, 'fi');
    } else out.push(...body);
  }
  return redactText(`${out.join('\n')}\n`);
}
