// Writes handoff's own log lines to stderr (stdout stays for results and --json), filtered by --log-level.
import { isoTime } from '../iso-time.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 };

/** The levels, quietest last, as `-l` lists them. */
export const LOG_LEVELS = Object.keys(ORDER) as LogLevel[];

/**
 * The level a `-l` value names, in any case, or undefined: the original upper-cased it and its help listed
 * `DEBUG, INFO, WARNING, ERROR, CRITICAL`, so scripts pass `-l DEBUG`; Python's logging also took `WARN`.
 */
export function readLogLevel(value: string): LogLevel | undefined {
  const v = value.toLowerCase();
  if (v === 'warn') return 'warning';
  return v in ORDER ? (v as LogLevel) : undefined;
}

/** Whether a line of `level` shows at the `threshold` of -l. */
export function isAtLeast(level: LogLevel, threshold: LogLevel): boolean {
  return ORDER[level] >= ORDER[threshold];
}

export function parseLogLevel(value: string | undefined): LogLevel {
  return readLogLevel(value ?? 'info') ?? 'info';
}

/** Rewrites a held line as it is written (see ConsoleLog.hold). */
export type LineRewrite = (level: LogLevel, message: string) => string;

export interface ConsoleLog {
  log(level: LogLevel, message: string): void;
  /**
   * Also copy every line to this sink (the run's console log file). Detaching (undefined) while lines are held waits
   * for their release, so they reach the sink they were logged under: the promise resolves once they did.
   */
  tee(sink: ((line: string) => void) | undefined): void | Promise<void>;
  /**
   * Holds the lines logged from now on (to stderr and the sink alike) until the returned release is called, which
   * writes them in order, each through `rewrite`, as it writes every later line; only the first release counts.
   */
  hold(): (rewrite?: LineRewrite) => void;
}

let stampSecond = -1;
let stampText = '';

/** `YYYY-MM-DD HH:MM:SS` (UTC) of now, formatted once per second: a foreach logs thousands of lines a second. */
function timestamp(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = isoTime(second * 1000).replace('T', ' ').replace(/\.\d+Z$/, '');
  }
  return stampText;
}

/** Lines logged before a sink is attached (loading warnings) are kept, up to this many, and given to the first sink. */
const EARLY_LINES = 200;

/** Pending console text is written once it holds this many characters, or at the end of the event loop turn. */
const BATCH_CHARS = 64 * 1024;

export interface BatchedStderr {
  /** Queues text for stderr; it is written at the end of this event loop turn (or once the batch is full). */
  write(text: string): void;
  /** Writes what is pending now: before anything else reaches stderr (an error, a prompt), and as the process exits. */
  flush(): void;
}

/**
 * Stderr for a run's console lines, written in one write per event loop turn. A foreach logs three lines per input
 * line at the default level, and a write through process.stderr costs a Writable's bookkeeping and a system call
 * each: a foreach of 1,000 `/bin/true` lines made 3,007 writes to stderr, now about 700, and handoff's own CPU time
 * for 3,000 lines is about 2 % lower (docs/benchmarks.md, "Seventh round"). What is pending is also written as the
 * process exits, so a run that ends with process.exit loses no line.
 */
export function createBatchedStderr(): BatchedStderr {
  let pending = '';
  let scheduled: NodeJS.Immediate | undefined;
  const flush = (): void => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending === '') return;
    const text = pending;
    pending = '';
    process.stderr.write(text);
  };
  process.once('exit', flush);
  return {
    write(text) {
      pending += text;
      if (pending.length >= BATCH_CHARS) flush();
      else scheduled ??= setImmediate(flush);
    },
    flush,
  };
}

export function createConsoleLog(threshold: LogLevel, write: (text: string) => void = (t) => process.stderr.write(t)): ConsoleLog {
  let sink: ((line: string) => void) | undefined;
  let early: string[] | undefined = [];
  let rewrite: LineRewrite | undefined;
  // While held: the lines as they were logged (level, text with its time, the sink of that moment).
  let held: { level: LogLevel; stamp: string; message: string; sink: typeof sink }[] | undefined;
  let onRelease: (() => void)[] = [];
  const emit = (level: LogLevel, stamp: string, message: string, to: typeof sink): void => {
    const line = `[${stamp}] ${level.toUpperCase().padStart(8)} - ${rewrite ? rewrite(level, message) : message}`;
    if (to) to(line);
    else if (early && early.length < EARLY_LINES) early.push(line);
    if (ORDER[level] >= ORDER[threshold]) write(`${line}\n`);
  };
  return {
    log(level, message) {
      if (held) held.push({ level, stamp: timestamp(), message, sink });
      else emit(level, timestamp(), message, sink);
    },
    tee(next) {
      if (held && next === undefined) return new Promise<void>((resolve) => onRelease.push(resolve)).then(() => void (sink = undefined));
      sink = next;
      if (next && early) {
        for (const line of early) next(line);
        early = undefined;
      }
    },
    hold() {
      if (held) return () => undefined;
      held = [];
      return (next) => {
        if (!held) return;
        rewrite = next;
        const lines = held;
        held = undefined;
        for (const l of lines) emit(l.level, l.stamp, l.message, l.sink);
        const waiting = onRelease;
        onRelease = [];
        for (const resolve of waiting) resolve();
      };
    },
  };
}
