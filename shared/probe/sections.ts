/** Splitting the facts script's output into its `@@name` sections, and small readers. */

export type Sections = ReadonlyMap<string, string>;

/** Every `@@name` section with its text (trimmed); a name that appears twice keeps the first. */
export function splitSections(output: string): Sections {
  const sections = new Map<string, string>();
  let name: string | null = null;
  let lines: string[] = [];
  const flush = (): void => {
    if (name !== null && !sections.has(name)) sections.set(name, lines.join('\n').trim());
  };
  for (const line of output.replace(/\r\n/g, '\n').split('\n')) {
    const mark = /^@@([a-z0-9-]+)\s*$/.exec(line);
    if (mark) {
      flush();
      name = mark[1] ?? null;
      lines = [];
    } else if (name !== null) {
      lines.push(line);
    }
  }
  flush();
  return sections;
}

/** The section's text, or null when it is missing or empty. */
export function text(sections: Sections, name: string): string | null {
  const value = sections.get(name);
  return value === undefined || value === '' ? null : value;
}

export function lines(sections: Sections, name: string): string[] {
  return (text(sections, name) ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** The first non-empty line, if it is a single printable word-ish value. */
export function firstLine(
  sections: Sections,
  name: string,
  pattern = /^[\x21-\x7e][\x20-\x7e]{0,254}$/,
): string | null {
  const line = lines(sections, name)[0];
  return line !== undefined && pattern.test(line) ? line : null;
}

export function toInt(
  value: string | undefined | null,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | null {
  if (value === undefined || value === null || !/^-?\d+$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

/** KEY=value lines (os-release), with shell quoting removed. */
export function keyValues(body: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (body ?? '').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m?.[1]) continue;
    let value = m[2] ?? '';
    if (/^".*"$/.test(value)) value = value.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    else if (/^'.*'$/.test(value)) value = value.slice(1, -1);
    out[m[1]] = value;
  }
  return out;
}
