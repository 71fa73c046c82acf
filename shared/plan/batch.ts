/**
 * Several commands of one step as one sh script read from stdin: one SSH round trip instead of
 * one per command. Before and after each part the script prints a marker line carrying a nonce
 * the commands cannot know, so the engine still tells which part runs, which one failed and with
 * what exit code. File contents and stdin (config.yaml with the token) travel inside the script,
 * quoted, so on stdin only: `printf` is a shell builtin, never a process with arguments.
 */
import { shJoin, shQuote } from '../shell';

export type BatchPart =
  /**
   * `optional`: its exit code is reported and the script goes on either way. `concurrent` (for
   * optional parts): runs beside the optional parts next to it, all awaited before what follows.
   * `endIfOk` (for optional parts): exit 0 ends the script there (an "already done?" check in
   * front of the work it would spare).
   */
  | {
      kind: 'exec';
      command: string;
      stdin?: string;
      optional?: boolean;
      concurrent?: boolean;
      endIfOk?: boolean;
    }
  | { kind: 'write-file'; path: string; mode: string; owner: string; content: string };

// Written beside the target and renamed, so an interrupted write never leaves half a file.
export const WRITE_SCRIPT =
  'umask 077; t="$1.k3s-wizard.tmp"; cat > "$t" && chmod "$2" "$t" && chown "$3" "$t" && mv -f "$t" "$1"';

export function writeFileCommand(file: { path: string; mode: string; owner: string }): string {
  return shJoin(['sh', '-c', WRITE_SCRIPT, 'k3s-wizard-write', file.path, file.mode, file.owner]);
}

// Already there with the same content: only the mode is made right.
const SAME_FILE = '[ -f "$1" ] && [ "$(sha256sum < "$1" | cut -d" " -f1)" = "$2" ] && chmod "$3" "$1"';
// An uploaded temporary file checked, then put in place as root (and the temporary one removed).
const PLACE_FILE =
  'echo "$4  $1" | sha256sum -c - >/dev/null || { rm -f "$1"; echo "checksum mismatch: $2" >&2; exit 3; }; install -D -m "$3" "$1" "$2" && rm -f "$1"';

export interface RemoteFile {
  remotePath: string;
  sha256: string;
  mode: string;
}

/** Exits 0 when the host has the file with this sha256 already (and sets its mode). */
export function sameFileCommand(file: RemoteFile): string {
  return shJoin(['sh', '-c', SAME_FILE, 'k3s-wizard-same', file.remotePath, file.sha256, file.mode]);
}

/** Moves an uploaded temporary file into place as root, after checking its sha256. */
export function placeFileCommand(file: RemoteFile & { temp: string }): string {
  return shJoin([
    'sh',
    '-c',
    PLACE_FILE,
    'k3s-wizard-place',
    file.temp,
    file.remotePath,
    file.mode,
    file.sha256,
  ]);
}

const MARK = 'k3s-wizard-batch';
/** Concurrent parts running at once at most (31 nodes' Ready checks must not swamp a Pi). */
export const MAX_CONCURRENT_PARTS = 8;

function partCommand(part: BatchPart): string {
  if (part.kind === 'write-file') return `printf '%s' ${shQuote(part.content)} | ${writeFileCommand(part)}`;
  if (part.stdin !== undefined) return `printf '%s' ${shQuote(part.stdin)} | ${part.command}`;
  return `${part.command} </dev/null`;
}

/**
 * The script. Everything sits in one function, so sh has read all of it before the first part
 * runs; each part runs in a subshell (an `exit` in it ends only that part) with its own stdin.
 */
export function batchScript(parts: readonly BatchPart[], nonce: string): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('The batch nonce must be 16 to 64 hex digits.');
  const mark = `${MARK}:${nonce}`;
  const lines = ['k3s_wizard_batch() {'];
  let background = 0;
  parts.forEach((part, index) => {
    const concurrent = part.kind === 'exec' && part.optional === true && part.concurrent === true;
    if (background > 0 && (!concurrent || background === MAX_CONCURRENT_PARTS)) {
      lines.push('  wait');
      background = 0;
    }
    if (concurrent) background++;
    // One short printf per marker line: atomic on a pipe, so concurrent parts never mix them.
    const body = [
      `  printf '\\n%s start ${index}\\n' '${mark}'`,
      `  (`,
      `    ${partCommand(part)}`,
      `  )`,
      `  rc=$?`,
      `  printf '\\n%s end ${index} %s\\n' '${mark}' "$rc"`,
    ];
    if (concurrent) lines.push('  {', ...body.map((line) => `  ${line}`), '  } &');
    else lines.push(...body);
    if (part.kind === 'write-file' || !part.optional) lines.push(`  [ "$rc" -eq 0 ] || exit "$rc"`);
    else if (part.endIfOk && !concurrent) lines.push(`  [ "$rc" -ne 0 ] || exit 0`);
  });
  if (background > 0) lines.push('  wait');
  lines.push('  exit 0', '}', 'k3s_wizard_batch </dev/null', '');
  return lines.join('\n');
}

export type BatchMarker = { type: 'start'; index: number } | { type: 'end'; index: number; code: number };

/**
 * Reads the script's stdout as it streams: marker lines become markers, everything else is the
 * parts' own output (a line cut between two chunks is kept back until its end arrives).
 */
export class BatchMarkers {
  private partial = '';
  private readonly pattern: RegExp;

  constructor(nonce: string) {
    this.pattern = new RegExp(`^${MARK}:${nonce} (start|end) (\\d{1,6})(?: (\\d{1,3}))?$`);
  }

  feed(text: string): { output: string; markers: BatchMarker[] } {
    const joined = this.partial + text;
    const cut = joined.lastIndexOf('\n');
    if (cut < 0) {
      this.partial = joined;
      return { output: '', markers: [] };
    }
    this.partial = joined.slice(cut + 1);
    return this.read(joined.slice(0, cut + 1));
  }

  /** What is left at the end of the stream. */
  end(): { output: string; markers: BatchMarker[] } {
    const rest = this.partial;
    this.partial = '';
    return this.read(rest);
  }

  private read(text: string): { output: string; markers: BatchMarker[] } {
    const markers: BatchMarker[] = [];
    const out: string[] = [];
    for (const line of text.split('\n')) {
      const match = this.pattern.exec(line);
      if (!match) {
        out.push(line);
        continue;
      }
      const index = Number(match[2]);
      markers.push(
        match[1] === 'start' ? { type: 'start', index } : { type: 'end', index, code: Number(match[3]) },
      );
    }
    return { output: out.join('\n'), markers };
  }
}
