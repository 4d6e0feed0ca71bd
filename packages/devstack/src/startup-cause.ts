/**
 * What a service said before it died during start-up, boiled down to the lines a person needs on
 * the console: its own one-line cause on stderr, an error it logged (pino JSON in its log file), or
 * the message of an uncaught error — never the stack — with passwords in URLs redacted.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** Keeps the last `max` lines written to a stream. */
export class LineTail {
  private partial = '';
  readonly lines: string[] = [];
  constructor(private readonly max = 40) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  /** The lines, including an unterminated last one. */
  all(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }

  private add(line: string): void {
    this.lines.push(line.replace(/\r$/, ''));
    if (this.lines.length > this.max) this.lines.shift();
  }
}

/** The size of a file in bytes; 0 when there is none yet. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The last `max` lines a file holds past byte `from` (from its start if it has since shrunk: a
 * rotation), reading at most its last 64 KiB: a dying service's last words, not its history.
 * Read synchronously, when someone asks why it died; empty when the file cannot be read.
 */
export function readLinesFrom(file: string, from: number, max = 40): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(size < from ? 0 : from, size - 64 * 1024);
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    const tail = new LineTail(max);
    tail.push(buf.subarray(0, n));
    return tail.all();
  } finally {
    closeSync(fd);
  }
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, wherever it appears in a text. */
export function redactUrls(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi, '$1:***@');
}

// Not causes: stack frames, the caret under a source excerpt, Node's version footer, its warnings.
const STACK_FRAME = /^\s+at\s|^\s*\^+\s*$|^Node\.js v\d|^\(node:\d+\) |^\(Use `node --trace/;
const ERROR_LINE = /^(?:Uncaught\s+)?([A-Za-z]*(?:Error|Exception)(?: \[\w+\])?:(?: .*)?)$/;

/** The message (and cause) of a pino error line at level error or above; undefined for any other line. */
function loggedError(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string; code?: string } };
    if (typeof entry.level !== 'number' || entry.level < 50) return undefined;
    const detail = entry.err?.message ?? entry.err?.code;
    return [entry.msg, detail].filter(Boolean).join(': ') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cause from a dead service's output. Stderr first (that is where a service says why it gives
 * up, and where Node prints an uncaught error): the error lines of an uncaught error's dump, or
 * else its last plain lines. Then the errors it logged. Empty when it said nothing useful.
 */
export function startupCause(stderr: string[], stdout: string[], maxLines = 5): string[] {
  const err = stderr.map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const errorLines = err.map((l) => ERROR_LINE.exec(l.trim())?.[1]).filter((l): l is string => l !== undefined);
  let lines: string[];
  if (errorLines.length > 0) lines = errorLines;
  else {
    // A dump of an uncaught value without an "Error:" line: drop its frames and source excerpt.
    lines = err.filter((l) => !STACK_FRAME.test(l) && !/^(file|node):\S+:\d+$/.test(l.trim()) && !/^[{}]|^\s+\w+: /.test(l));
  }
  if (lines.length === 0) lines = stdout.map(loggedError).filter((l): l is string => l !== undefined);
  return [...new Set(lines.slice(-maxLines).map((l) => redactUrls(l.trim())))];
}

/** The port of a listen error in a cause (`listen EADDRINUSE: address already in use 127.0.0.1:8080`). */
export function portInUseFrom(cause: string[]): number | undefined {
  for (const line of cause) {
    const m = /EADDRINUSE\b.*?:(\d+)\b/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}
