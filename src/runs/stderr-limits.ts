// How much of a process's stderr the console (and copies other than the full one) show: its head and its tail.
import { UserError } from '../errors.js';

/** Per process: the first `headBytes` of stderr are shown as they come, the last `tailBytes` when it ends. */
export interface StderrLimits {
  headBytes: number;
  tailBytes: number;
}

export const DEFAULT_STDERR_LIMITS: StderrLimits = { headBytes: 1024 * 1024, tailBytes: 256 * 1024 };

/** The variables that set the limits (docs/reliability.md, "What is kept where"). */
export const STDERR_HEAD_VARIABLE = 'HANDOFF_CONSOLE_STDERR_HEAD';
export const STDERR_TAIL_VARIABLE = 'HANDOFF_CONSOLE_STDERR_TAIL';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `1048576`, `512k`, `512KiB`, `1MB`, `2g` (units are binary) or `unlimited`. */
export function parseByteSize(text: string, name: string): number {
  const value = text.trim().toLowerCase();
  if (value === 'unlimited') return Number.POSITIVE_INFINITY;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/.exec(value);
  if (!match) {
    throw new UserError(`${name}=${text} is not a size in bytes`, { fix: `use a number of bytes with an optional unit, e.g. ${name}=512KiB, ${name}=1MiB, or ${name}=unlimited` });
  }
  return Math.floor(Number(match[1]) * UNITS[match[2]]);
}

export function stderrLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): StderrLimits {
  const head = env[STDERR_HEAD_VARIABLE];
  const tail = env[STDERR_TAIL_VARIABLE];
  return {
    headBytes: head ? parseByteSize(head, STDERR_HEAD_VARIABLE) : DEFAULT_STDERR_LIMITS.headBytes,
    tailBytes: tail ? parseByteSize(tail, STDERR_TAIL_VARIABLE) : DEFAULT_STDERR_LIMITS.tailBytes,
  };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * Lets the first `headBytes` of a stream of lines through as they come, keeps the last `tailBytes` back and lets them
 * through at the end, after a line saying how much was left out and where the whole is kept. Memory stays bounded
 * by the tail, whatever the stream's size.
 */
export class HeadTailLimiter {
  private shown = 0;
  private tail: string[] = [];
  /** Index of the tail's first kept line in `tail`. */
  private tailStart = 0;
  private tailSize = 0;
  private omitted = 0;
  private noticed = false;

  constructor(
    private readonly limits: StderrLimits,
    /** Where the whole stream is kept, for the notices (relative to the workspace). */
    private readonly fullLog: string,
    /** What each line costs the sink beyond its text and newline (the console's timestamp and prefix). */
    private readonly lineOverhead = 0,
  ) {}

  /** The lines to show now for one line of the stream. Limits count what the sink writes; `omitted` counts the stream. */
  push(line: string): string[] {
    const size = Buffer.byteLength(line) + 1 + this.lineOverhead;
    if (!this.noticed && this.shown + size <= this.limits.headBytes) {
      this.shown += size;
      return [line];
    }
    const out: string[] = [];
    if (!this.noticed) {
      this.noticed = true;
      out.push(`… more than ${formatBytes(this.limits.headBytes)} of stderr: the rest is in ${this.fullLog}; its last ${formatBytes(this.limits.tailBytes)} follow when the process ends`);
    }
    this.tail.push(line);
    this.tailSize += size;
    while (this.tailSize > this.limits.tailBytes && this.tailStart < this.tail.length) {
      const dropped = Buffer.byteLength(this.tail[this.tailStart++]) + 1;
      this.tailSize -= dropped + this.lineOverhead;
      this.omitted += dropped;
    }
    // Dropped lines are let go in batches: shifting one off a long array each time would cost a copy each.
    if (this.tailStart > 1024 && this.tailStart * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.tailStart);
      this.tailStart = 0;
    }
    return out;
  }

  /** The lines held back, once the stream has ended (then it starts over with a tail of its own). */
  end(): string[] {
    if (!this.noticed) return [];
    const out = this.omitted > 0 ? [`… ${this.omitted} bytes omitted, full log at ${this.fullLog}`] : [];
    for (let i = this.tailStart; i < this.tail.length; i++) out.push(this.tail[i]);
    this.tail = [];
    this.tailStart = 0;
    this.tailSize = 0;
    this.omitted = 0;
    return out;
  }
}
