/**
 * The firewall rules k3s-wizard gave the other nodes for a machine that leaves the cluster.
 * The applier records the undo line of every rule it makes permanent, newest first
 * (FIREWALL_UNDO_FILE, shared/firewall/apply.ts); the lines that name the leaving machine's
 * address take exactly its rules back, and none a person added by hand.
 */

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether the text names the address (alone, as a /32 or /128, or inside a rich rule). */
export function mentions(text: string, address: string): boolean {
  return new RegExp(`(?<![0-9A-Za-z.:])${escape(address)}(?:/(?:32|128))?(?![0-9A-Za-z.:])`).test(text);
}

export interface PeerRules {
  node: string;
  /** Undo lines (shell), in the order to run them (the record's: newest first). */
  undo: string[];
}

/** The record's lines that take back a rule for one of the addresses. */
export function peerUndoLines(record: string, addresses: readonly string[]): string[] {
  return record
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && addresses.some((a) => mentions(line, a)))
    .slice(0, 500);
}
