/** The host firewall from `firewall-cmd --list-all-zones`, `ufw status verbose`, nft and iptables-save. */
import type { FirewallFacts, FirewalldFacts, FirewalldZone, UfwFacts, UfwRule } from '../facts';
import { text, type Sections } from './sections';

/**
 * `default-zone NAME` then `firewall-cmd --list-all-zones`. Older firewalld marks zones
 * "(default, active)"; 1.x does not, so a zone with interfaces or sources counts as active.
 */
export function parseFirewalldZones(body: string): FirewalldFacts {
  // An empty DefaultZone= in firewalld.conf means firewalld's built-in default, "public".
  const defaultLine = /^default-zone\b[ \t]*(\S*)/m.exec(body)?.[1] ?? null;
  const zones: (FirewalldZone & { active: boolean; isDefault: boolean })[] = [];
  let zone: (typeof zones)[number] | null = null;
  let inRich = false;
  for (const raw of body.split('\n')) {
    if (!raw.trim() || raw.startsWith('default-zone')) continue;
    const header = /^([A-Za-z0-9_-]+)(?:\s+\(([^)]*)\))?\s*$/.exec(raw);
    if (header && !/^\s/.test(raw)) {
      const flags = (header[2] ?? '').split(',').map((f) => f.trim());
      zone = {
        name: header[1] ?? '',
        target: null,
        interfaces: [],
        sources: [],
        services: [],
        ports: [],
        richRules: [],
        active: flags.includes('active'),
        isDefault: flags.includes('default'),
      };
      zones.push(zone);
      inRich = false;
      continue;
    }
    if (!zone) continue;
    const field = /^\s+([a-z -]+):\s*(.*)$/.exec(raw);
    if (field && !(inRich && raw.trim().startsWith('rule'))) {
      const [, key = '', value = ''] = field;
      const words = value.trim() ? value.trim().split(/\s+/) : [];
      inRich = key === 'rich rules';
      if (key === 'target') zone.target = value.trim() || null;
      else if (key === 'interfaces') zone.interfaces = words;
      else if (key === 'sources') zone.sources = words;
      else if (key === 'services') zone.services = words;
      else if (key === 'ports') zone.ports = words;
      else if (inRich && value.trim()) zone.richRules.push(value.trim());
      continue;
    }
    if (inRich) zone.richRules.push(raw.trim());
  }
  const defaultZone = zones.find((z) => z.isDefault)?.name ?? (defaultLine === '' ? 'public' : defaultLine);
  const inUse = (z: (typeof zones)[number]): boolean =>
    z.active || z.isDefault || z.name === defaultZone || z.interfaces.length > 0 || z.sources.length > 0;
  return {
    defaultZone,
    zones: zones.filter(inUse).map(({ active: _a, isDefault: _d, ...rest }) => rest),
  };
}

export function parseUfwStatus(body: string): { active: boolean | null; facts: UfwFacts | null } {
  const status = /^Status:\s*(\w+)/m.exec(body)?.[1];
  if (status !== 'active' && status !== 'inactive') return { active: null, facts: null };
  const incoming = /^Default:.*?\b(allow|deny|reject) \(incoming\)/m.exec(body)?.[1] as
    UfwFacts['defaultIncoming'] | undefined;
  const rules: UfwRule[] = [];
  let table = false;
  for (const raw of body.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (/^--\s+-+/.test(line)) {
      table = true;
      continue;
    }
    if (!table || !line.trim()) continue;
    const m = /^(.+?)\s{2,}(ALLOW|DENY|REJECT|LIMIT)(?:\s+(IN|OUT|FWD))?\s+(.+)$/.exec(line.trim());
    if (!m) continue;
    const [, to = '', action, direction, from = ''] = m;
    if (direction === 'FWD') continue;
    const v6 = /\(v6\)/.test(to) || /\(v6\)/.test(from);
    rules.push({
      to: to.replace(/\s*\(v6\)/, '').trim(),
      action: action as UfwRule['action'],
      direction: direction === 'OUT' ? 'OUT' : 'IN',
      from: from.replace(/\s*\(v6\)/, '').trim(),
      v6,
    });
  }
  return { active: status === 'active', facts: { defaultIncoming: incoming ?? null, rules } };
}

/** Input-filtering rules in nftables that belong to neither firewalld nor ufw nor K3s. */
export function countNftInputRules(body: string, options: { countPolicy?: boolean } = {}): number {
  let count = 0;
  let table = '';
  let chain = '';
  let inputHook = false;
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    const t = /^table\s+\S+\s+(\S+)\s*\{/.exec(line);
    if (t) {
      table = t[1] ?? '';
      continue;
    }
    const c = /^chain\s+(\S+)\s*\{/.exec(line);
    if (c) {
      chain = c[1] ?? '';
      inputHook = false;
      continue;
    }
    if (/^type\s+filter\s+hook\s+input\b/.test(line)) {
      inputHook = true;
      if (/policy\s+drop/.test(line) && options.countPolicy !== false) count += 1;
      continue;
    }
    if (
      !line ||
      line === '}' ||
      !inputHook ||
      table === 'firewalld' ||
      /^(ufw|KUBE|CNI|FLANNEL)/i.test(chain)
    )
      continue;
    if (/^(policy|comment)\b/.test(line)) continue;
    if (/jump (ufw|KUBE|CNI|FLANNEL)/i.test(line)) continue;
    count += 1;
  }
  return count;
}

/** `-A INPUT` rules (and a DROP policy) in iptables-save output not made by ufw or K3s. */
export function countIptablesInputRules(body: string, options: { countPolicy?: boolean } = {}): number {
  let count = 0;
  for (const line of body.split('\n').map((l) => l.trim())) {
    if (/^:INPUT\s+DROP\b/.test(line)) count += options.countPolicy === false ? 0 : 1;
    else if (/^-A INPUT\b/.test(line) && !/-j (ufw|KUBE|CNI|FLANNEL)/i.test(line)) count += 1;
  }
  return count;
}

/**
 * The ufw section: `absent`, `off ENABLED=…` (not set to start and no chain of its loaded, which
 * is what its status calls inactive), `needs-root ENABLED=…` (from ufw.conf), or
 * `ufw status verbose`.
 */
function parseUfwSection(body: string): { active: boolean | null; facts: UfwFacts | null } {
  if (body === 'absent' || /^off\b/.test(body)) return { active: false, facts: null };
  if (body.startsWith('needs-root')) {
    const active = /ENABLED=["']?yes/i.test(body) ? true : /ENABLED=/.test(body) ? false : null;
    return { active, facts: null };
  }
  const parsed = parseUfwStatus(body);
  return { active: parsed.active, facts: parsed.active ? parsed.facts : null };
}

export function parseFirewall(sections: Sections): FirewallFacts {
  // Indentation matters in firewall-cmd output: split the raw text, do not trim lines.
  const fwd = (text(sections, 'firewalld') ?? '').split('\n');
  const fwdService = /^service\s*(\S*)/.exec(fwd[0] ?? '')?.[1];
  const fwdBody = fwd.slice(1).join('\n');
  const zonesListed =
    /^default-zone\b/m.test(fwdBody) || /^\S+.*\((?:[^)]*\b)?(active|default)\b/m.test(fwdBody);
  const firewalldActive =
    fwd[0] === 'absent' ? false : zonesListed ? true : fwdService ? fwdService === 'active' : null;
  const firewalld = zonesListed ? parseFirewalldZones(fwdBody) : null;

  const { active: ufwActive, facts: ufw } = parseUfwSection(text(sections, 'ufw') ?? '');

  // `unavailable`: not root or no tool (unknown); an empty section: no rules at all.
  const count = (name: string, counter: (body: string) => number): number | null => {
    const body = sections.get(name);
    return body === undefined || body === 'unavailable' ? null : counter(body);
  };
  const options = { countPolicy: ufwActive !== true };
  const nftCount = count('nft', (body) => countNftInputRules(body, options));
  const iptCount = count('iptables-save', (body) => countIptablesInputRules(body, options));
  // iptables-nft rules also show in `nft list ruleset`: take the larger count, never the sum.
  const rawRuleCount = nftCount === null && iptCount === null ? null : Math.max(nftCount ?? 0, iptCount ?? 0);

  let kind: FirewallFacts['kind'] = null;
  if (firewalldActive) kind = 'firewalld';
  else if (ufwActive) kind = 'ufw';
  else if (rawRuleCount !== null && firewalldActive !== null && ufwActive !== null) {
    kind = rawRuleCount === 0 ? 'none' : (nftCount ?? 0) >= (iptCount ?? 0) ? 'nftables' : 'iptables';
  }
  return { kind, firewalldActive, ufwActive, firewalld, ufw, rawRuleCount };
}
