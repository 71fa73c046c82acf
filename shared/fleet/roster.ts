/**
 * The classroom roster: which machines there are, and which group (cluster) each belongs to.
 * Imported from a pasted list or an IPv4 range (the wizard's one host-list parser), or from a
 * CSV `address,group[,name[,role]]`; every problem is reported with its line. `*.local` names are
 * kept as names: the OS resolver (mDNS) turns them into addresses when a session opens; nothing
 * here scans a network.
 */
import { parseHostList } from '../host-list';
import { addressProblem, nodeNameProblem } from '../validate';
import type { Role } from '../spec/schema';

/** A fleet larger than this is refused (a typo in a range, a wrong file). */
export const MAX_FLEET = 100;
export const MAX_CLUSTERS = 50;
const MAX_CSV_CHARS = 200_000;
const GROUP = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

export interface RosterMachine {
  address: string;
  port?: number;
  user?: string;
  /** The cluster it goes to, when the roster says. */
  group?: string;
  /** Its node name, when the roster says; otherwise the preset's naming scheme gives one. */
  name?: string;
  role?: Role;
}

export interface RosterProblem {
  line: number;
  message: string;
}

export interface Roster {
  machines: RosterMachine[];
  problems: RosterProblem[];
}

function bounded(roster: Roster): Roster {
  if (roster.machines.length > MAX_FLEET)
    roster.problems.push({
      line: 0,
      message: `The roster has ${roster.machines.length} machines; at most ${MAX_FLEET} at once. Split the class into two rosters.`,
    });
  const seen = new Map<string, number>();
  roster.machines.forEach((m, i) => {
    const key = `${m.address.toLowerCase()}:${m.port ?? 22}`;
    if (seen.has(key))
      roster.problems.push({
        line: 0,
        message: `${m.address} is listed twice (machines ${(seen.get(key) ?? 0) + 1} and ${i + 1}): each machine once.`,
      });
    else seen.set(key, i);
  });
  return roster;
}

/** A pasted list or range (`192.168.1.10-39`, `pi@host:22`, names like `pi-07.local`). */
export function rosterFromList(text: string): Roster {
  const parsed = parseHostList(text);
  return bounded({
    machines: parsed.hosts.map((h) => ({
      address: h.address,
      ...(h.port !== undefined ? { port: h.port } : {}),
      ...(h.user !== undefined ? { user: h.user } : {}),
    })),
    problems: parsed.problems.map((p) => ({ line: p.line, message: p.message })),
  });
}

/** One CSV line into fields: commas, optional double quotes ("" inside is a quote). */
function csvFields(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return 'a quoted field is not closed';
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') return 'text after a closing quote';
    } else {
      while (i < line.length && line[i] !== ',') {
        if (line[i] === '"') return 'a quote inside an unquoted field';
        field += line[i++];
      }
      field = field.trim();
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

const HEADER = ['address', 'group', 'name', 'role'];

/**
 * A CSV roster: `address,group[,name[,role]]` per line, an optional header line with those
 * words, `#` comments and blank lines ignored. Strict: a wrong line is an error with its number.
 */
export function rosterFromCsv(text: string): Roster {
  const machines: RosterMachine[] = [];
  const problems: RosterProblem[] = [];
  if (text.length > MAX_CSV_CHARS)
    return { machines, problems: [{ line: 0, message: `The CSV is over ${MAX_CSV_CHARS} characters.` }] };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (!raw.trim() || raw.trim().startsWith('#')) return;
    const fields = csvFields(raw);
    if (typeof fields === 'string') {
      problems.push({ line, message: `Line ${line}: ${fields}.` });
      return;
    }
    const lower = fields.map((f) => f.toLowerCase());
    if (machines.length === 0 && lower[0] === 'address') {
      const unknown = lower.filter((f, i) => f !== HEADER[i]);
      if (unknown.length)
        problems.push({
          line,
          message: `Line ${line}: the header must be ${HEADER.join(',')} (in that order).`,
        });
      return;
    }
    if (fields.length < 2 || fields.length > 4) {
      problems.push({
        line,
        message: `Line ${line}: expected address,group[,name[,role]], found ${fields.length} field${fields.length === 1 ? '' : 's'}.`,
      });
      return;
    }
    const [address = '', group = '', name = '', role = ''] = fields;
    const bad = addressProblem(address);
    if (bad) problems.push({ line, message: `Line ${line}: ${bad}` });
    if (!GROUP.test(group))
      problems.push({
        line,
        message: `Line ${line}: the group “${group}” must be 1-20 lower-case letters, digits or dashes (it becomes part of node names).`,
      });
    const nameProblem = name ? nodeNameProblem(name) : null;
    if (nameProblem) problems.push({ line, message: `Line ${line}: ${nameProblem}` });
    if (role && role !== 'server' && role !== 'agent')
      problems.push({ line, message: `Line ${line}: the role must be server or agent (or left empty).` });
    machines.push({
      address,
      group,
      ...(name ? { name } : {}),
      ...(role === 'server' || role === 'agent' ? { role } : {}),
    });
  });
  if (machines.length === 0 && problems.length === 0)
    problems.push({ line: 0, message: 'The CSV lists no machines (one line per machine: address,group).' });
  return bounded({ machines, problems });
}

/**
 * A roster file or pasted text: CSV when asked for (a `.csv` file) or when its first line is the
 * header `address,group…`; otherwise a list of machines (commas there separate addresses).
 */
export function parseRoster(text: string, options: { csv?: boolean } = {}): Roster {
  const first = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .find((l) => l.trim() && !l.trim().startsWith('#'));
  const header = /^\s*"?address"?\s*,/i.test(first ?? '');
  return options.csv || header ? rosterFromCsv(text) : rosterFromList(text);
}
