// Holds V8's optimizing compiler (TurboFan) off while handoff starts, so start-up alone never pages it into memory.
import type { EventLoopUtilization, Performance } from 'node:perf_hooks';

/**
 * node:v8 is read only when TurboFan is held or released: loading it loads Node.js's heap utilities and promise hooks
 * (and the streams, if nothing did yet), which a command that never holds TurboFan (`--help`) does not need, while
 * every command's start imports this module to release it.
 */
function setV8Flags(flags: string): void {
  process.getBuiltinModule('node:v8').setFlagsFromString(flags);
}

/** Node.js started with its own choice of tiers (e.g. `node --jitless`, `--no-turbofan`, `--max-opt`): left alone. */
const TIERS_CHOSEN_BY_USER = /--(?:no[-_])?(?:turbofan|opt|jitless|max[-_]opt)\b/;

/** A run's events between two looks at how busy its main thread is (a look costs a clock read). */
const EVENTS_PER_LOOK = 64;
/** The shortest stretch of a run whose event loop utilization is judged. */
const BUSY_WINDOW_MS = 250;
/** Busy: the event loop waited for nothing in at least this share of the stretch (handoff's own code is the limit). */
const BUSY_UTILIZATION = 0.9;

let held = false;

/**
 * Turns TurboFan off; called by bin/handoff.js before the CLI's code loads. Resolving the ~40 bundle files of a run
 * makes Node.js's own path normalization (normalizeString; the longer the install path, the sooner) hot enough for
 * TurboFan, and compiling it pages in about 4 MB of the node binary that then stays resident:
 * the peak RSS of every run, for code that runs a few hundred times at start-up. The baseline compiler (Sparkplug)
 * still works meanwhile. Measured in docs/benchmarks.md ("Memory").
 */
export function holdOptimizingCompiler(): void {
  if (held || TIERS_CHOSEN_BY_USER.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) return;
  // Not --max-opt: lowering it turns TurboFan off for good (V8 implies --no-turbofan from it).
  setV8Flags('--no-turbofan');
  held = true;
}

/** Whether TurboFan is held off now (the code cache keeps what is compiled meanwhile apart: src/cli/code-cache.ts). */
export function optimizingCompilerHeld(): boolean {
  return held;
}

/**
 * Turns TurboFan on again (V8's default) if it was held off: every command but a run and `config validate` does so as
 * it starts, and a run before it checks a new or changed project.yml (the parser and the schema run hot on a large one).
 */
export function releaseOptimizingCompiler(): void {
  if (!held) return;
  held = false;
  setV8Flags('--turbofan');
}

/**
 * A run's event listener that turns TurboFan on once the run's own code is what limits it: its main thread busy for
 * at least 90 % of a quarter second (a process writing its stderr line after line as fast as it can: 300,000 lines go
 * through in 1.3 s with TurboFan, 3 s without). A run whose main thread mostly waits for its processes keeps it off:
 * compiling a run's hot functions takes about 0.3 s of CPU on another thread, which on a small machine is taken from
 * the run's own processes; a foreach of 1,000 `/bin/true` lines on 2 cores (the main thread half busy) ends 10–13 %
 * sooner without it (docs/benchmarks.md, "Sixth round"). Until TurboFan is on, any path function called again after
 * start-up would be optimized on its next call, paging the compiler in after all.
 */
export function releaseOptimizingWhenBusy<E>(listener: (event: E) => void): (event: E) => void {
  let events = 0;
  let windowStart = 0;
  let window: EventLoopUtilization | undefined;
  return (event) => {
    if (held && ++events % EVENTS_PER_LOOK === 0) {
      // Node.js's global performance (its perf_hooks, loaded at first use: only by a run with this many events).
      const clock = performance as unknown as Performance;
      const now = clock.now();
      if (window === undefined) {
        window = clock.eventLoopUtilization();
        windowStart = now;
      } else if (now - windowStart >= BUSY_WINDOW_MS) {
        if (clock.eventLoopUtilization(window).utilization >= BUSY_UTILIZATION) releaseOptimizingCompiler();
        window = clock.eventLoopUtilization();
        windowStart = now;
      }
    }
    listener(event);
  };
}
