// Reads the consumers' own clocks from their stderr: dd's "copied, 1.23 s" and the Singer target's "records in 1.23 s".
// A consumer's clock runs from its own start to the end of its input, so it shows the steady-state rate of the data
// path and leaves out handoff's start-up (node, reading the project), which the wall-clock rows include.

/** Seconds reported by every dd in the text, in order. */
export function readDdSeconds(text: string): number[] {
  return [...text.matchAll(/ copied, ([0-9.]+) s\b/g)].map((m) => Number(m[1]));
}

/** Records and seconds reported by the benchmark's Singer target. */
export function readTargetClock(text: string): { records: number; seconds: number } {
  const match = /target: (\d+) records in ([0-9.]+) s/.exec(text);
  if (!match) throw new Error(`the Singer target did not report its clock; its stderr was:\n${text.slice(-2000)}`);
  return { records: Number(match[1]), seconds: Number(match[2]) };
}

/** The one value a list of clocks stands for: the slowest consumer decides when the data has passed. */
export function slowestOf(seconds: number[], expected: number, what: string): number {
  if (seconds.length !== expected) throw new Error(`expected ${expected} dd reports from ${what}, found ${seconds.length}`);
  return Math.max(...seconds);
}
