// What a benchmark is and what it reports: rows of handoff against a raw shell baseline measured in the same run.
import type { Summary } from './summarize-samples.js';
import type { HandoffCli } from './handoff-cli.js';

/** How a row's numbers read: a time (lower is better), a throughput or a size. */
export type Unit = 'ms' | 'GB/s' | 'MB' | 'records/s';

export interface ResultRow {
  /** What was measured, e.g. "steady-state throughput (consumer's clock)". */
  measure: string;
  unit: Unit;
  handoff: Summary;
  baseline?: Summary;
  /** What the baseline is, e.g. `sh -c 'producer | cat | consumer'`. */
  baselineLabel?: string;
  /** handoff relative to the baseline, in the direction the target states (e.g. throughput handoff ÷ baseline). */
  ratio?: number;
  ratioLabel?: string;
  /** The target for this row in words, e.g. "≥ 0.95 × baseline"; absent for reference rows. */
  target?: string;
  met?: boolean;
}

export interface BenchmarkResult {
  name: string;
  title: string;
  /** Plain facts a reader needs: data size, run count, what could not be measured. */
  notes: string[];
  rows: ResultRow[];
  durationMs: number;
}

export interface BenchContext {
  handoff: HandoffCli;
  /** Timed runs per variant after the warm-up (`--runs`); a benchmark may use more for very short runs. */
  runs: number;
  /** A fresh folder for this benchmark's projects and data. */
  tmpDir: string;
  /** The real Python interpreter (not a pyenv shim, whose bash start-up would be measured too). */
  python: string;
  /** The bench/fixtures folder. */
  fixturesDir: string;
  /** Bundled probe scripts (cold loader, spawn floor, peak RSS hook). */
  probesDir: string;
  repoRoot: string;
  progress: (message: string) => void;
}

export interface Benchmark {
  /** The name for `npm run bench -- <name>`. */
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'durationMs'>>;
}
