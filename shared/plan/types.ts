/**
 * The install plan: ordered steps per host, each a list of typed actions the run engine executes
 * over SSH without parsing shell. Secrets never appear in a plan: actions that need one carry a
 * `Template` with a placeholder the engine fills at run time, and a renderer masks for display.
 */
import type { FirewallApplyPlan } from '../firewall/apply';
import type { SpecIssue } from '../spec/issues';

/** Secrets a plan needs, by name; their values live only in the engine's memory. */
export type SecretRef = 'token' | 'kubeconfig';

/**
 * Literal text, or a secret filled in at run time: shell-quoted when `quote` is "sh", a one-line
 * YAML scalar (written by the YAML library) when "yaml".
 */
export type TemplatePart = { text: string } | { secret: SecretRef; quote?: 'sh' | 'yaml' };
export type Template = readonly TemplatePart[];

/** A command the engine runs on the step's host; exit status 0 means yes. */
export interface HostCheck {
  command: string;
  sudo: boolean;
  /** Must run as the login user, never as root (a rootless server's own commands). */
  asUser?: boolean;
}

export type PlanAction =
  /** `command` is one sh command line built with shJoin; `sudo` asks the engine for root (never written into it). */
  | {
      kind: 'exec';
      command: string;
      sudo: boolean;
      stdin?: Template;
      what: string;
      undo?: string[];
      /** Must run as the login user, never batched with root's commands (rootless). */
      asUser?: boolean;
    }
  /** Written as root through stdin (`umask 077; cat > path`), then chmod/chown: content never in argv. */
  | { kind: 'write-file'; path: string; mode: string; owner: string; content: Template; what: string }
  /** Copies a file from this computer to the host as root, then verifies it when `sha256` is known. */
  | {
      kind: 'upload';
      localFile: string;
      remotePath: string;
      mode: string;
      sha256: string | null;
      what: string;
    }
  /**
   * Firewall changes with a safety net: runtime rules (a guard on the host undoes them unless
   * disarmed), a new SSH login and the cluster ports checked from here, then the permanent ones;
   * any check failing rolls the runtime rules back and names the rule that cut what.
   */
  | ({ kind: 'firewall'; what: string } & FirewallApplyPlan)
  /** Reboots the host, waits for SSH to come back (a Pi 3 can take minutes) and reconnects. */
  | {
      kind: 'reboot-and-wait';
      timeoutMs: number;
      what: string;
      /** A backup made before the reboot (cmdline.txt), named if the host does not come back. */
      backup?: string;
    }
  /** Runs `check` every `intervalMs` until it exits 0, for at most `timeoutMs`. */
  | { kind: 'wait-for'; check: HostCheck; intervalMs: number; timeoutMs: number; what: string }
  /** Reads a file on the host (as root when `sudo`) into the engine's memory as a secret. */
  | { kind: 'read-secret'; path: string; as: SecretRef; sudo: boolean; what: string }
  /** On this computer: writes the kubeconfig, renamed, pointing at `server`. */
  | {
      kind: 'save-kubeconfig';
      from: SecretRef;
      server: string;
      contextName: string;
      file: 'merge' | 'separate';
      what: string;
    }
  /** On this computer: every file exists and matches its checksum (before anything is uploaded). */
  | { kind: 'check-files'; files: { localFile: string; sha256: string | null }[]; what: string }
  /** On this computer: takes the cluster's entries out of the kubeconfig k3s-wizard wrote. */
  | { kind: 'remove-kubeconfig'; contextName: string; file: 'merge' | 'separate'; what: string };

export type PhaseId =
  | 'prepare'
  | 'first-server'
  | 'credentials'
  | 'servers'
  | 'agents'
  | 'verify'
  | 'remove-agents'
  | 'remove-servers'
  | 'remove-first-server'
  | 'forget';

export const PHASES: readonly { id: PhaseId; title: string }[] = [
  { id: 'prepare', title: 'Prepare the machines' },
  { id: 'first-server', title: 'Start the first server' },
  { id: 'credentials', title: 'Fetch the join token and the kubeconfig' },
  { id: 'servers', title: 'Join the other servers' },
  { id: 'agents', title: 'Join the agents' },
  { id: 'verify', title: 'Check the cluster' },
];

/** A K3s install is done when its config (token lines left out) hashes so, its unit runs, and its release is the pinned one. */
export interface InstallDone {
  configSha256: string;
  unit: 'k3s' | 'k3s-agent';
  /** The pinned release ("v1.33.5+k3s1"), null: any. */
  version: string | null;
}

export interface PlanStep {
  /** Stable across runs of the same spec: "install:pi2", "prepare:pi1:firewall". */
  id: string;
  phase: PhaseId;
  /** The node name of the host it runs on. */
  host: string;
  /** What it does, in one line. */
  title: string;
  actions: PlanAction[];
  /** Secrets its actions use (filled from earlier steps' read-secret). */
  secrets: SecretRef[];
  /** When it exits 0 the step is already done and a re-run skips it; null: always run. */
  alreadyDone: HostCheck | null;
  /**
   * What `alreadyDone` checks, as data (a K3s install with k3s-wizard's config): what the
   * machine's facts say about it when they were read just before the run (see doneFromFacts).
   */
  doneWhen?: InstallDone;
  timeoutMs: number;
  /**
   * Its first `early` actions need no secret, start nothing and change nothing that runs (a
   * joining machine's disk check, folders, install script and K3s binary): the run may do them
   * while the step still waits for other machines, once the machine said it is not done.
   */
  early?: number;
  /**
   * Asked on the machine before its `early` actions are done early: where it passes, none of
   * them is, and the step does them in its turn (an air-gap joining machine that has K3s already
   * keeps its binary until its own install replaces it).
   */
  earlyUnless?: HostCheck;
  /** Step ids that must finish first; steps with no path between them may run in parallel. */
  dependsOn: string[];
  /** Assumptions made and things to know, for the review screen. */
  notes: string[];
  /** The verify step: how its host lists the nodes (as root, or as a rootless server's user). */
  nodeList?: HostCheck;
  /** An install step whose K3s is not the root unit of its phase: a rootless server's user unit. */
  unit?: 'k3s-rootless';
}

export interface Plan {
  cluster: string;
  phases: readonly { id: PhaseId; title: string }[];
  /** In an order that respects `dependsOn`. */
  steps: PlanStep[];
  /** Warnings about the machines and what was assumed (errors stop a plan from being made). */
  issues: SpecIssue[];
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; issues: SpecIssue[] };
