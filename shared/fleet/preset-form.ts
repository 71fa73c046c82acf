/**
 * The Classroom screen's preset form over the preset file's text: the text is the one truth (it
 * is what is saved, shared and read by the back end); the form reads its fields from it, even
 * from a preset that does not validate yet, and writes them back into it, keeping every other
 * setting. Validation is `parsePreset`'s, the same as the back end's and the command line's.
 */
import { parseDocument } from 'yaml';
import { COMPONENTS, FIREWALL_POLICIES } from '../spec/schema';
import { DEFAULT_NAMING, presetToYaml, starterPreset } from './preset';

export type Component = (typeof COMPONENTS)[number];
export type FirewallPolicy = (typeof FIREWALL_POLICIES)[number];
export type LoginMethod = 'agent' | 'key' | 'password';

export interface PresetForm {
  name: string;
  /** An exact release (wins); else the channel. */
  version: string;
  channel: string;
  disable: Component[];
  firewall: FirewallPolicy;
  source: 'online' | 'airgap';
  scriptUrl: string;
  githubUrl: string;
  channelUrl: string;
  folder: string;
  images: boolean;
  naming: string;
  login: { user: string; port: number; method: LoginMethod; keyPath: string; sudoPassword: boolean };
  rebootWave: number;
  concurrency: number;
  studentsPerCluster: number;
  ttl: string;
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown, fallback = ''): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
const num = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;
const oneOf = <T extends string>(v: unknown, all: readonly T[], fallback: T): T =>
  all.includes(v as T) ? (v as T) : fallback;

/** The preset text's settings as an object, or null when it is not YAML of a mapping. */
function rawOf(text: string): Raw | null {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) return null;
  const raw: unknown = doc.toJS();
  return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Raw) : null;
}

/** The form's fields from the preset text (defaults where it says nothing); null when not YAML. */
export function formFromText(text: string): PresetForm | null {
  const raw = text.trim() ? rawOf(text) : {};
  if (!raw) return null;
  const k3s = obj(raw.k3s);
  const install = obj(raw.install);
  const login = obj(raw.login);
  const auth = obj(login.auth);
  const handout = obj(raw.handout);
  return {
    name: str(raw.name),
    version: str(k3s.version),
    channel: str(k3s.channel, k3s.version ? '' : 'stable'),
    disable: Array.isArray(raw.disable)
      ? raw.disable.filter((c): c is Component => COMPONENTS.includes(c as Component))
      : [],
    firewall: oneOf(obj(raw.firewall).policy, FIREWALL_POLICIES, 'configure'),
    source: install.source === 'airgap' ? 'airgap' : 'online',
    scriptUrl: str(install.scriptUrl, 'https://get.k3s.io'),
    githubUrl: str(install.githubUrl),
    channelUrl: str(install.channelUrl),
    folder: str(install.folder),
    images: install.images !== false,
    naming: str(raw.naming, DEFAULT_NAMING),
    login: {
      user: str(login.user, 'pi'),
      port: num(login.port, 22),
      method: oneOf(auth.method, ['agent', 'key', 'password'] as const, 'agent'),
      keyPath: str(auth.keyPath),
      sudoPassword: obj(login.sudo).password === true,
    },
    rebootWave: num(obj(raw.fixes).rebootWave, 5),
    concurrency: num(obj(raw.build).concurrency, 8),
    studentsPerCluster: num(handout.studentsPerCluster, 2),
    ttl: str(handout.ttl, '2h'),
  };
}

const put = (target: Raw, key: string, value: string) => {
  if (value.trim()) target[key] = value.trim();
};

/** The preset text with the form's fields written into it; its other settings are kept. */
export function textFromForm(form: PresetForm, text: string): string {
  const base = (text.trim() && rawOf(text)) || starterPreset(form.name || 'class');
  const k3s: Raw = {};
  if (form.version.trim()) put(k3s, 'version', form.version);
  else put(k3s, 'channel', form.channel || 'stable');
  const install: Raw = { source: form.source };
  if (form.source === 'online') {
    put(install, 'scriptUrl', form.scriptUrl || 'https://get.k3s.io');
    put(install, 'githubUrl', form.githubUrl);
    put(install, 'channelUrl', form.channelUrl);
  } else {
    install.folder = form.folder.trim();
    install.images = form.images;
  }
  const { user, port, method, keyPath, sudoPassword } = form.login;
  const next: Raw = {
    ...base,
    apiVersion: base.apiVersion ?? 'k3s-wizard/v1',
    kind: base.kind ?? 'ClassroomPreset',
    name: form.name.trim(),
    k3s,
    install,
    disable: COMPONENTS.filter((c) => form.disable.includes(c)),
    firewall: { ...obj(base.firewall), policy: form.firewall },
    naming: form.naming.trim(),
    login: {
      user: user.trim(),
      port,
      auth: method === 'key' ? { method, keyPath: keyPath.trim() } : { method },
      sudo: { password: sudoPassword },
    },
    fixes: { ...obj(base.fixes), rebootWave: form.rebootWave },
    build: { ...obj(base.build), concurrency: form.concurrency },
    handout: { ...obj(base.handout), studentsPerCluster: form.studentsPerCluster, ttl: form.ttl.trim() },
  };
  return presetToYaml(next as never);
}
