// Keeps V8's compiled code of the CLI's bundle between runs on Node.js 20, from a cache the build makes in dist/.
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * What the cache does in this process: `read` (every command), `write` (the build's training runs: what V8 compiled
 * is saved as the process exits), `off` (benchmarks comparing with and without), `stats` (read, and say on stderr at
 * exit how many bundle files came from the cache: the build checks its cache with it).
 */
export type CodeCacheMode = 'read' | 'write' | 'off' | 'stats';

export interface CodeCacheOptions {
  /** The bundle's folder (dist/): only files under it are compiled with the cache. */
  bundleDir: string;
  /** Where the cache is (dist/code-cache), one folder per tier. */
  cacheDir: string;
  /**
   * The V8 flags in effect, named: V8 refuses code cached under other flags, and a run holds TurboFan off while it
   * starts (src/cli/optimizing-compiler.ts), so the files a run compiles and those other commands compile are kept
   * apart. Asked as each file is compiled and again as the process exits.
   */
  tier: () => string;
  mode: CodeCacheMode;
}

/** A bundle file compiled in this process. */
interface Compiled {
  script: vm.Script;
  cacheFile: string;
  tier: string;
  fromCache: boolean;
}

/** Node.js's own CommonJS compile, which the cache replaces for the bundle's files. */
type CompileFunction = (this: Module, content: string, filename: string) => unknown;

/** The mode HANDOFF_CODE_CACHE names; anything else (unset included) reads. */
export function codeCacheMode(value: string | undefined): CodeCacheMode {
  return value === 'write' || value === 'off' || value === 'stats' ? value : 'read';
}

/**
 * Compiles the bundle's CommonJS files through `vm.Script` with V8's code cache, which Node.js ≥ 22.1 does itself
 * (`module.enableCompileCache`) and Node.js 20 cannot: compiling the bundle is about a third of what handoff adds to
 * a node start (docs/benchmarks.md, "Fifteenth round"). The cache holds bytecode only: V8 checks it against its own
 * version, its flags and the file's source, and compiles as usual when it does not match (a cache file missing,
 * a file of another build, another Node.js). Files outside the bundle keep Node.js's own compile.
 */
export function useCodeCache({ bundleDir, cacheDir, tier, mode }: CodeCacheOptions): void {
  if (mode === 'off') return;
  const bundlePrefix = `${bundleDir}${path.sep}`;
  const compiled: Compiled[] = [];
  const moduleClass = Module as unknown as { prototype: { _compile: CompileFunction }; wrap: (source: string) => string };
  const nodeCompile = moduleClass.prototype._compile;
  moduleClass.prototype._compile = function compileWithCodeCache(this: Module, content: string, filename: string) {
    if (!filename.startsWith(bundlePrefix)) return nodeCompile.call(this, content, filename);
    const fileTier = tier();
    const cacheFile = path.join(cacheDir, fileTier, `${filename.slice(bundlePrefix.length).replaceAll(path.sep, '--')}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // No cache for this file (a file no training run loaded): V8 compiles it as usual.
    }
    // The same wrapper Node.js puts around a CommonJS file, so the file sees the same five names.
    const script = new vm.Script(moduleClass.wrap(content), { filename, cachedData });
    // Kept only where the exit needs them (a script kept alive holds its compiled code's source besides the module).
    if (mode !== 'read') compiled.push({ script, cacheFile, tier: fileTier, fromCache: cachedData !== undefined && !script.cachedDataRejected });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, path.dirname(filename));
  };
  if (mode === 'write') process.on('exit', () => writeCodeCache(compiled, tier()));
  if (mode === 'stats') {
    process.on('exit', () => {
      const fromCache = compiled.filter((file) => file.fromCache).length;
      process.stderr.write(`code cache: ${fromCache} of ${compiled.length} bundle files from the cache\n`);
    });
  }
}

/**
 * Saves what V8 compiled of each file, the functions the command ran included (`createCachedData` after they ran).
 * Only files whose tier is the one in effect now: V8 stamps the cache with the flags of the moment it is made, and a
 * file compiled before a run held TurboFan off (or after it turned it on again) would be refused at the next start.
 * Each file is written whole or not at all (a temporary file renamed), as concurrent readers may be starting.
 */
function writeCodeCache(compiled: Compiled[], tierNow: string): void {
  for (const { script, cacheFile, tier } of compiled) {
    if (tier !== tierNow) continue;
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, script.createCachedData());
      fs.renameSync(temporary, cacheFile);
    } catch {
      // A cache is an optimization: a folder that cannot be written leaves the file to compile as usual.
    }
  }
}
