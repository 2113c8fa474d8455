// Splits a byte stream into text lines with a bounded buffer, so a huge line without a newline cannot exhaust memory.

/** Longest piece of a line kept before it is emitted anyway (a log line this long is cut, not lost). */
export const MAX_LOG_LINE_BYTES = 64 * 1024;

export interface LineSplitter {
  push(chunk: Buffer): void;
  end(): void;
}

export function createLineSplitter(onLine: (line: string) => void, maxLineBytes = MAX_LOG_LINE_BYTES): LineSplitter {
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const flush = (tail?: Buffer): void => {
    const parts = tail ? [...pending, tail] : pending;
    pending = [];
    pendingBytes = 0;
    let line = Buffer.concat(parts).toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    onLine(line);
  };

  return {
    push(chunk: Buffer) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl === -1) break;
        flush(chunk.subarray(start, nl));
        start = nl + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        pending.push(rest);
        pendingBytes += rest.length;
        if (pendingBytes >= maxLineBytes) flush();
      }
    },
    end() {
      if (pendingBytes > 0) flush();
    },
  };
}
