// Real kernel pipes for joining processes. Node's own stdio "pipes" are socket pairs, which programs cannot reopen
// by path (`> /dev/stderr`, `cat /dev/stdin`, `tee /dev/fd/3` fail with ENXIO), so handoff makes pipes from FIFOs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Both ends of one pipe, as file descriptors open in handoff until handed to children and closed. */
export interface OsPipe {
  readFd: number;
  writeFd: number;
}

/** How many FIFOs one `mkfifo` call makes; each is used once, so a foreach does not spawn mkfifo per line. */
const BATCH = 64;

let fifoDir: string | undefined;
let pool: string[] = [];
let serial = 0;

function nextFifoPath(): string {
  if (pool.length === 0) {
    if (!fifoDir) {
      fifoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pipes-'));
      const dir = fifoDir;
      process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    }
    const batch = Array.from({ length: BATCH }, () => path.join(fifoDir as string, String(serial++)));
    execFileSync('mkfifo', ['-m', '600', ...batch], { stdio: 'ignore' });
    pool = batch;
  }
  return pool.shift() as string;
}

/**
 * Opens a FIFO so that no call blocks and both ends are ordinary blocking descriptors, then unlinks it: from then on
 * it is an anonymous pipe like the one a shell makes for `a | b`.
 * - a non-blocking read open never waits; with a reader present the blocking write open returns at once;
 * - with a writer present a second, blocking read open returns at once, and the non-blocking one is closed.
 * `readerNonBlocking` keeps the first read end instead, for handoff itself to read with its event loop.
 */
export function createOsPipe(readerNonBlocking = false): OsPipe {
  const file = nextFifoPath();
  const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
  const probe = fs.openSync(file, O_RDONLY | O_NONBLOCK);
  let writeFd: number;
  try {
    writeFd = fs.openSync(file, O_WRONLY);
  } catch (error) {
    fs.closeSync(probe);
    throw error;
  }
  let readFd = probe;
  if (!readerNonBlocking) {
    readFd = fs.openSync(file, O_RDONLY);
    fs.closeSync(probe);
  }
  fs.unlinkSync(file);
  return { readFd, writeFd };
}

/** Closes descriptors handoff no longer needs (after the children that use them have started). */
export function closeFds(fds: Iterable<number | undefined>): void {
  for (const fd of fds) {
    if (fd === undefined) continue;
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}
