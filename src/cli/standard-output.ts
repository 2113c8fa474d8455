// Writes the CLI's own output (help, usage errors, a command's result) to fd 1 and 2 without Node.js's streams until a command streams.
import fs from 'node:fs';

/**
 * process.stdout and process.stderr are made at their first use, and making one compiles Node.js's streams (for a
 * pipe, net too): about 18 M instructions, a fifth of what `handoff --help` adds to `node -e 0` (docs/benchmarks.md,
 * "Twenty-second round"). Help, usage errors and a command's last lines are written here with fs.writeSync instead,
 * which on Linux is what those streams do for files, pipes and terminals anyway (synchronously); a command that
 * streams (a run's console) still gets the streams, and once one exists its writes go through it, in order.
 */

/** The first failure writing stdout or stderr other than a reader that went away, with which one failed. */
export interface OutputFailure {
  error: NodeJS.ErrnoException;
  fd: 1 | 2;
}

type Stream = NodeJS.WriteStream;

let onFailure: (failure: OutputFailure) => void = () => {};
/** The streams made so far (by this module or by any code that read process.stdout / process.stderr). */
const made: { 1?: Stream; 2?: Stream } = {};

/**
 * A reader that goes away (`handoff runs list | head -1`) is not handoff's failure: what it no longer reads is dropped,
 * as a shell tool stops writing. So is a terminal that hung up (EIO, with the SIGHUP a run stops on).
 */
function isReaderGone(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'EIO' || error.code === 'ERR_STREAM_DESTROYED';
}

/**
 * Calls `report` with the first failure of either output other than a reader gone, whether it happens in writeOutput
 * or in a stream someone made: process.stdout / process.stderr stay lazy, and each gets its error listener as it is made.
 */
export function watchStandardOutput(report: (failure: OutputFailure) => void): void {
  onFailure = report;
  for (const fd of [1, 2] as const) {
    const name = fd === 1 ? 'stdout' : 'stderr';
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    // Node.js defines both as configurable getters; anything else (a test harness's replacement) is left as it is.
    if (!descriptor?.get || !descriptor.configurable) {
      watchStream(fd, process[name]);
      continue;
    }
    const make = descriptor.get;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        const stream = make.call(process) as Stream;
        // From now on Node.js's own getter again (it keeps the stream it made).
        Object.defineProperty(process, name, descriptor);
        watchStream(fd, stream);
        return stream;
      },
    });
  }
}

function watchStream(fd: 1 | 2, stream: Stream): void {
  if (made[fd] === stream) return;
  made[fd] = stream;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!isReaderGone(error)) onFailure({ error, fd });
  });
}

/**
 * Writes text to fd 1 or 2: through the stream once one exists (so nothing overtakes what it still holds), else with
 * fs.writeSync. A descriptor that would block (a non-blocking pipe a parent shares) hands the rest to the stream.
 */
export function writeOutput(fd: 1 | 2, text: string): void {
  if (made[fd]) {
    made[fd].write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    if (failure.code === 'EAGAIN') {
      (fd === 1 ? process.stdout : process.stderr).write(bytes.subarray(written));
      return;
    }
    if (!isReaderGone(failure)) onFailure({ error: failure, fd });
  }
}

/**
 * Whether fd 1 or 2 is a terminal, without making its stream when the answer is plain: not a character device, or one
 * of Linux's memory devices (/dev/null, major 1), is no terminal; any other character device is asked of the stream.
 */
export function isTerminal(fd: 1 | 2): boolean {
  if (!made[fd]) {
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isCharacterDevice()) return false;
      if (process.platform === 'linux' && ((stat.rdev >> 8) & 0xfff) === 1) return false;
    } catch {
      return false;
    }
  }
  return (fd === 1 ? process.stdout : process.stderr).isTTY === true;
}

/**
 * commander's own choice of colours for help and errors (its `useColor`, commander 14), with the terminal test above
 * instead of the stream's: NO_COLOR and FORCE_COLOR / CLICOLOR_FORCE first, then a terminal that has colours.
 */
export function hasColors(fd: 1 | 2): boolean {
  const env = process.env;
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  if (!isTerminal(fd)) return false;
  const stream = fd === 1 ? process.stdout : process.stderr;
  return stream.hasColors?.() === true;
}
