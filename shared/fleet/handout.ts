/**
 * What the students of a cluster get, in words and names, pure: their namespaces (one per
 * student, or one the whole group shares), the namespaces a reset deletes, what a reset will
 * take away (the confirm says it before anything goes), and whether a text fits in a QR code.
 */
import type { Preset } from './preset';

export type HandoutPer = 'student' | 'group';

/** The namespaces of a cluster's students, by `per`: student-1…N, or student-group-<group>. */
export function handoutNamespaces(preset: Preset, group: string, per: HandoutPer): string[] {
  const prefix = preset.handout.namespacePrefix;
  if (per === 'group') return [`${prefix}-group-${group}`];
  return Array.from({ length: preset.handout.studentsPerCluster }, (_, i) => `${prefix}-${i + 1}`);
}

/** Every namespace a hand-out of this cluster may have made (either way): what a reset deletes. */
export function resetNamespacesOf(preset: Preset, group: string): string[] {
  return [...handoutNamespaces(preset, group, 'student'), ...handoutNamespaces(preset, group, 'group')];
}

/**
 * The largest text put in one QR code: version 40 at the lowest error correction holds 2953
 * bytes, but a code that dense does not scan from paper or a phone screen; 1200 bytes (version
 * 25 or so) still does. A kubeconfig with its CA and token is larger: it goes as a file.
 */
export const QR_MAX_BYTES = 1200;

/** A text's length in UTF-8 bytes (what a QR code's byte mode holds). */
export function utf8Bytes(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

export function fitsInQr(text: string): boolean {
  return utf8Bytes(text) <= QR_MAX_BYTES;
}

export interface ResetTarget {
  cluster: string;
  group: string;
  machines: number;
}

/** What a reset takes away, said before it is confirmed. */
export function resetWarning(
  what: 'uninstall' | 'namespaces',
  targets: ResetTarget[],
  preset: Preset,
): string {
  const names = targets.map((t) => t.cluster).join(', ');
  if (what === 'uninstall') {
    const machines = targets.reduce((n, t) => n + t.machines, 0);
    return `Uninstall K3s from all ${machines} machines of ${names}: every cluster, its workloads, its data and every student's access go. The machines keep their names, machine IDs and memory cgroup.`;
  }
  const first = targets[0];
  const namespaces = first ? resetNamespacesOf(preset, first.group) : [];
  return `Delete the students' namespaces (${namespaces.join(', ')}${targets.length > 1 ? ' and the other groups’' : ''}) and everything in them on ${names}: the students' kubeconfigs stop working. The clusters stay.`;
}
