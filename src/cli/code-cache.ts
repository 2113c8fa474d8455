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
  const moduleClass = Module as unknown as {
    prototype: { _compile: CompileFunction };
    wrap: (source: string) => string;
    _cache: Record<string, Module | undefined>;
    _nodeModulePaths: (dir: string) => string[];
  };
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
    return wrapper.call(this.exports, this.exports, requireFromBundle(this, filename), this, filename, path.dirname(filename));
  };

  /**
   * A bundle file's `require`. The bundle's files require each other by relative path (`./chunk-X.js`, as the build
   * wrote them), and each is loaded here directly: Node.js's own resolution of each file (stat, realpath, the package
   * scopes above it, a new `require` per file) was about a fifth of what loading the bundle costs, for files whose
   * place and module type the build fixes (dist/package.json says CommonJS). Anything else (`node:fs`, a package) is
   * Node.js's require, as before; the module is in `require.cache` under its path either way.
   */
  function requireFromBundle(module: Module, filename: string): NodeJS.Require {
    const dir = path.dirname(filename);
    let nodeRequire: NodeJS.Require | undefined;
    const bundleRequire = ((id: string) => {
      if (id.startsWith('./') || id.startsWith('../')) {
        const file = path.join(dir, id);
        if (file.startsWith(bundlePrefix) && file.endsWith('.js')) return loadBundleFile(file, module);
      }
      return module.require(id);
    }) as NodeJS.Require;
    bundleRequire.resolve = ((request: string, options?: { paths?: string[] }) =>
      (nodeRequire ??= Module.createRequire(filename)).resolve(request, options)) as NodeJS.RequireResolve;
    bundleRequire.cache = moduleClass._cache;
    bundleRequire.main = require.main;
    return bundleRequire;
  }

  function loadBundleFile(filename: string, parent: Module): unknown {
    const cached = moduleClass._cache[filename];
    // A module still loading (a require cycle) gives its exports so far, as Node.js's require does.
    if (cached) return cached.exports;
    const module = new Module(filename, parent);
    module.filename = filename;
    module.paths = nodeModulePaths(path.dirname(filename));
    moduleClass._cache[filename] = module;
    let loaded = false;
    try {
      moduleClass.prototype._compile.call(module, fs.readFileSync(filename, 'utf8'), filename);
      loaded = true;
    } finally {
      // A file that threw is not kept, so a later require runs it again (Node.js's rule).
      if (!loaded) delete moduleClass._cache[filename];
    }
    module.loaded = true;
    return module.exports;
  }

  const pathsByDir = new Map<string, string[]>();
  function nodeModulePaths(dir: string): string[] {
    let paths = pathsByDir.get(dir);
    if (!paths) pathsByDir.set(dir, (paths = moduleClass._nodeModulePaths(dir)));
    return paths;
  }
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
