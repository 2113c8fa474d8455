// Real kernel pipes for joining processes. Node's own stdio "pipes" are socket pairs, which programs cannot reopen
// by path (`> /dev/stderr`, `cat /dev/stdin`, `tee /dev/fd/3` fail with ENXIO), so handoff makes pipes from FIFOs.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { removeFile } from '../remove-file.js';

/** Both ends of one pipe, as file descriptors open in handoff until handed to children and closed. */
export interface OsPipe {
  readFd: number;
  writeFd: number;
}

/**
 * How many FIFOs one `mkfifo` call makes; each is used once, so a foreach does not spawn mkfifo per line. The first
 * batch is small: most runs use a few, and every FIFO left over is one more unlink at exit.
 */
const FIRST_BATCH = 8;
const BATCH = 64;

let fifoDir: string | undefined;
/** FIFOs made and not used yet. */
let pool: string[] = [];
/** FIFOs an `mkfifo` started by prefetchOsPipes is making (they join the pool when it is done). */
let coming: string[] = [];
let serial = 0;
let mkfifoProgram: string | undefined;

/** mkfifo by its usual path when it is there: the spawn (which blocks until the program is found) skips the PATH search. */
function mkfifo(): string {
  mkfifoProgram ??= ['/usr/bin/mkfifo', '/bin/mkfifo'].find((file) => fs.existsSync(file)) ?? 'mkfifo';
  return mkfifoProgram;
}

function newBatch(size: number): string[] {
  if (!fifoDir) {
    try {
      fifoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pipes-'));
    } catch (error) {
      // A read-only root file system (a container's), or a TMPDIR that is not a folder: say so, not "a bug".
      throw new UserError(`cannot make a folder for a pipeline's pipes in the temporary folder ${os.tmpdir()}: ${(error as Error).message}`, {
        fix: 'set TMPDIR to a folder handoff can write (e.g. TMPDIR=/var/tmp, or a tmpfs mounted in the container)',
      });
    }
    process.on('exit', removeFifoDir);
  }
  return Array.from({ length: size }, () => path.join(fifoDir as string, String(serial++)));
}

/** Removes the FIFOs left unused by name (cheaper than a recursive removal), then the folder. */
function removeFifoDir(): void {
  if (!fifoDir) return;
  for (const file of [...pool, ...coming]) {
    try {
      fs.unlinkSync(file);
    } catch {
      // not made (an mkfifo that failed) or already gone
    }
  }
  try {
    fs.rmdirSync(fifoDir);
  } catch {
    fs.rmSync(fifoDir, { recursive: true, force: true });
  }
}

/**
 * Starts making the first FIFOs in the background, so a run's first command does not wait for `mkfifo` on the main
 * thread (it runs while the workspace is locked and the run recorded). A FIFO needed before it is done comes from a
 * batch made there and then, as without it.
 */
export function prefetchOsPipes(): void {
  if (pool.length > 0 || coming.length > 0) return;
  const batch = newBatch(FIRST_BATCH);
  coming = batch;
  const settle = (ok: boolean): void => {
    if (coming !== batch) return;
    coming = [];
    if (ok) pool.push(...batch);
    else for (const file of batch) removeFile(file);
  };
  try {
    const child = spawn(mkfifo(), ['-m', '600', ...batch], { stdio: 'ignore' });
    child.once('error', () => settle(false));
    child.once('exit', (code) => settle(code === 0));
  } catch {
    settle(false);
  }
}

/** Whether the FIFOs being made in the background are all there (mkfifo makes them in order, each at once). */
function comingAreMade(): boolean {
  try {
    return coming.length > 0 && fs.lstatSync(coming[coming.length - 1]).isFIFO();
  } catch {
    return false;
  }
}

function nextFifoPath(): string {
  if (pool.length === 0 && comingAreMade()) {
    // Taken now rather than when the event loop sees mkfifo exit, which may be after the first command starts.
    pool = coming;
    coming = [];
  }
  if (pool.length === 0) {
    const batch = newBatch(serial <= FIRST_BATCH ? FIRST_BATCH : BATCH);
    execFileSync(mkfifo(), ['-m', '600', ...batch], { stdio: 'ignore' });
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
