/** K3s release versions (`v1.33.5+k3s1`) and how far apart two of them are. */

export interface K3sVersion {
  major: number;
  minor: number;
  patch: number;
  /** The K3s build of that Kubernetes release (`+k3s2` → 2). */
  build: number;
  text: string;
}

const VERSION = /^v(\d{1,3})\.(\d{1,3})\.(\d{1,3})\+k3s(\d{1,3})$/;

/** A release version, or null when the text is not one (release candidates included). */
export function parseK3sVersion(text: string): K3sVersion | null {
  const m = VERSION.exec(text.trim());
  if (!m) return null;
  const [major, minor, patch, build] = [m[1], m[2], m[3], m[4]].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { major, minor, patch, build, text: text.trim() };
}

/** <0 when a is older than b, 0 when the same release, >0 when newer. */
export function compareVersions(a: K3sVersion, b: K3sVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || a.build - b.build;
}

/** The channel of a minor version: `v1.33`. */
export function minorChannel(v: Pick<K3sVersion, 'major' | 'minor'>): string {
  return `v${v.major}.${v.minor}`;
}
