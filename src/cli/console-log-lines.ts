// Reads back the lines createConsoleLog wrote to a run's console.log, for `runs logs`: filtered by -l, or as JSON.
import { isoTime } from '../iso-time.js';
import { isAtLeast, readLogLevel, type LogLevel } from './console-log.js';

/** `[YYYY-MM-DD HH:MM:SS]    LEVEL - `, as createConsoleLog starts every line (the stamp is UTC). */
const HEADER = /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\] +([A-Z]+) - /;

/** Long enough for any header: the rest of a long line is never decoded just to find its level. */
const HEADER_BYTES = 48;

export interface ConsoleLogPrinter {
  /** Takes the next bytes of the log; resolves false once nobody reads the output any more. */
  write(chunk: Buffer): Promise<boolean>;
  /** The log's last line when it has no line break (a run still writing it, or cut short). */
  end(): Promise<boolean>;
}

/**
 * The run's console log keeps every level (DEBUG too, whatever -l the run had): this prints the lines at `threshold` or
 * above, as the console showed them, or one JSON object per line (`{"time", "run", "level", "message"}`, as
 * `cloud logs --json` prints one per line). A line without a header (a message's second line, text appended by
 * something else) belongs to the line before it: kept or left out with it, and given its time and level.
 */
export function createConsoleLogPrinter(input: { threshold: LogLevel; json: boolean; runId: string; write: (chunk: Buffer) => Promise<boolean> }): ConsoleLogPrinter {
  let pending: Buffer = Buffer.alloc(0);
  let current: { time: string | null; level: LogLevel | null; keep: boolean } = { time: null, level: null, keep: true };

  const format = (line: Buffer, newline: boolean): string | Buffer | undefined => {
    const header = HEADER.exec(line.subarray(0, HEADER_BYTES).toString('latin1'));
    const level = header ? readLogLevel(header[3]!) : undefined;
    let message = line;
    if (header && level) {
      current = { time: isoTime(Date.parse(`${header[1]}T${header[2]}Z`)), level, keep: isAtLeast(level, input.threshold) };
      message = line.subarray(header[0].length);
    }
    if (!current.keep) return undefined;
    if (!input.json) return newline ? Buffer.concat([line, Buffer.from('\n')]) : line;
    return `${JSON.stringify({ time: current.time, run: input.runId, level: current.level, message: message.toString('utf8') })}\n`;
  };

  const emit = async (parts: Array<string | Buffer>): Promise<boolean> => {
    if (parts.length === 0) return true;
    return input.write(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))));
  };

  return {
    async write(chunk) {
      const data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      const parts: Array<string | Buffer> = [];
      let start = 0;
      for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
        const out = format(data.subarray(start, end), true);
        if (out !== undefined) parts.push(out);
        start = end + 1;
      }
      // A copy: the caller's buffer may be reused once this returns.
      pending = Buffer.from(data.subarray(start));
      return emit(parts);
    },
    async end() {
      if (pending.length === 0) return true;
      const out = format(pending, false);
      pending = Buffer.alloc(0);
      return emit(out === undefined ? [] : [out]);
    },
  };
}
