// Loads a command's code with V8's optimizing compiler held back, so loading alone never pages it into memory.
import v8 from 'node:v8';

/** Node.js started with its own choice of tiers (e.g. `node --jitless` or `--max-opt`): that choice is left alone. */
const TIERS_CHOSEN_BY_USER = /--(?:no-)?(?:turbofan|opt|jitless|max-opt)\b/;

/**
 * Imports a command's module (and the ~30 bundle files it pulls in) with TurboFan off, then turns it on again.
 *
 * Resolving that many files makes two of Node.js's own path functions (getPathFromURLPosix, normalizeString) hot
 * enough for TurboFan, and compiling them pages in about 4 MB of the node binary that stays resident for the rest of
 * the process: the peak RSS of every run, for code that runs a few hundred times at start-up. The baseline compiler
 * (Sparkplug) still works meanwhile. Once the module is in, TurboFan is on again, so what does run hot afterwards (a
 * foreach over many lines, the check of a large project) is optimized as before. Measured in docs/benchmarks.md
 * ("Memory").
 */
export async function loadWithoutOptimizing<T>(load: () => Promise<T>): Promise<T> {
  if (TIERS_CHOSEN_BY_USER.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) return load();
  // --turbofan is V8's default; --max-opt would not do here: lowering it also turns TurboFan off, for good.
  v8.setFlagsFromString('--no-turbofan');
  try {
    return await load();
  } finally {
    v8.setFlagsFromString('--turbofan');
  }
}
