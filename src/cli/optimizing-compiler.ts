// Holds V8's optimizing compiler (TurboFan) off while handoff starts, so start-up alone never pages it into memory.
import v8 from 'node:v8';

/** Node.js started with its own choice of tiers (e.g. `node --jitless`, `--no-turbofan`, `--max-opt`): left alone. */
const TIERS_CHOSEN_BY_USER = /--(?:no[-_])?(?:turbofan|opt|jitless|max[-_]opt)\b/;

/** How many events a run reports before it counts as busy (a foreach's lines, a chatty stderr): about 25 lines. */
const BUSY_AFTER_EVENTS = 100;

let held = false;

/**
 * Turns TurboFan off; called by bin/handoff.js before the CLI's code loads. Resolving the ~30 bundle files of a run
 * makes two of Node.js's own path functions (getPathFromURLPosix, normalizeString; the longer the install path, the
 * sooner) hot enough for TurboFan, and compiling them pages in about 4 MB of the node binary that then stays resident:
 * the peak RSS of every run, for code that runs a few hundred times at start-up. The baseline compiler (Sparkplug)
 * still works meanwhile. Measured in docs/benchmarks.md ("Memory").
 */
export function holdOptimizingCompiler(): void {
  if (held || TIERS_CHOSEN_BY_USER.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) return;
  // Not --max-opt: lowering it turns TurboFan off for good (V8 implies --no-turbofan from it).
  v8.setFlagsFromString('--no-turbofan');
  held = true;
}

/**
 * Turns TurboFan on again (V8's default) if it was held off: every command but a run does so as it starts, and a run
 * before it checks a new or changed project.yml (the parser and the schema run hot on a large one).
 */
export function releaseOptimizingCompiler(): void {
  if (!held) return;
  held = false;
  v8.setFlagsFromString('--turbofan');
}

/**
 * A run's event listener that turns TurboFan on once the run is busy. A run's own code is not hot while its
 * processes run (their data never passes through handoff), but a foreach's per-line work is, and so is the handling
 * of a process's stderr lines: the events count it. Until then, any path function called again after start-up
 * would be optimized on its next call, paging the compiler in after all.
 */
export function releaseOptimizingWhenBusy<E>(listener: (event: E) => void): (event: E) => void {
  let events = 0;
  return (event) => {
    if (held && ++events === BUSY_AFTER_EVENTS) releaseOptimizingCompiler();
    listener(event);
  };
}
