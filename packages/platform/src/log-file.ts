import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { destination, type DestinationStream } from 'pino';
import { ConfigError } from './config.js';

/** The parts of pino's file destination (sonic-boom) its type declarations leave out. */
type FileDestination = ReturnType<typeof destination> & { readonly fd: number; readonly destroyed: boolean };

/**
 * The process's log file (LOG_FILE), or none: logs then go to stdout, which is what containers
 * expect. One per process, like stdout itself: the entry point opens it before it builds its app,
 * and every logger the process creates (createApp) and its shutdown (lifecycle.ts) write there.
 */
let logFile: FileDestination | undefined;

/**
 * Opens LOG_FILE for appending (its directory made if missing) and resolves once it is open, so
 * that a path that cannot be written stops the start with its reason instead of crashing the
 * first log line. Writes are asynchronous: a request's log line is a memory copy, and the buffer
 * goes to the file in one write once the previous one has finished — no pipe, no other process.
 * What is buffered is written before the process exits: drainLogs() on the ways out that can
 * wait (lifecycle.ts), a synchronous flush at exit for the others (pino registers one for such
 * destinations; flushLogs() says it explicitly). SIGHUP reopens the file by its path, for
 * logrotate and the like: rename the file, then send SIGHUP.
 */
export async function openLogFile(file: string): Promise<void> {
  if (file === '' || logFile) return;
  // Tried here first: pino's destination opens the file asynchronously and says a failure only as
  // an error event, after which its own exit hook throws over the one-line cause.
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await (await open(file, 'a')).close();
  } catch (err) {
    throw new ConfigError('LOG_FILE', `cannot be opened: ${(err as Error).message}`);
  }
  const dest = destination({ dest: file, sync: false, mkdir: true, append: true }) as FileDestination;
  await new Promise<void>((resolve, reject) => {
    dest.once('ready', resolve);
    dest.once('error', (err: Error) => reject(new ConfigError('LOG_FILE', `cannot be opened: ${err.message}`)));
  });
  // Once open, a failing write (a full disk) must not take the service down with it: it is said
  // once on stderr, which whoever runs the service keeps, and the service goes on serving.
  let reported = false;
  dest.on('error', (err: Error) => {
    if (!reported) process.stderr.write(`cannot write the log file ${file}: ${err.message}\n`);
    reported = true;
  });
  // Without a LOG_FILE SIGHUP keeps Node's default (the process ends), as before; close-with-grace
  // ignores it either way (lifecycle.ts).
  process.on('SIGHUP', () => dest.reopen());
  // pino flushes its asynchronous destinations at exit too; said here so as not to depend on it.
  process.once('exit', flushLogs);
  logFile = dest;
}

/** Where the process's loggers write: the open LOG_FILE, or undefined for pino's default (stdout). */
export function logDestination(): DestinationStream | undefined {
  return logFile;
}

/**
 * Resolves once everything logged so far is in the file: for the moments before the process
 * exits, while it still has an event loop (lifecycle.ts). The empty write makes the file's stream
 * say 'drain' whether or not a write is under way, after the one under way and its followers.
 */
export function drainLogs(): Promise<void> {
  const dest = logFile;
  if (!dest || dest.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      dest.off('drain', done);
      dest.off('error', done);
      resolve();
    };
    dest.once('drain', done);
    dest.once('error', done);
    dest.write('');
  });
}

/**
 * Writes what the log file still buffers, synchronously: at exit, when there is no event loop to
 * wait on. Lines of a write still under way may then land after the ones written here, so the
 * ways out that can wait use drainLogs() first; this catches the others (a forced exit).
 */
export function flushLogs(): void {
  // A file not open yet has nothing buffered that could be written; a closed one nothing left.
  if (!logFile || logFile.fd < 0 || logFile.destroyed) return;
  try {
    logFile.flushSync();
  } catch {
    // Exiting anyway: a log that cannot be written must not turn a clean exit into a crash.
  }
}
