#!/usr/bin/env node
// Entry point of the `handoff` command: loads the bundle built by `npm run build` (CommonJS, as bin/package.json says).
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'handoff.js');
const optimizingCompiler = path.join(dist, 'optimizing-compiler.js');
const codeCache = path.join(dist, 'code-cache.js');
if (!existsSync(bundle) || !existsSync(optimizingCompiler) || !existsSync(codeCache)) {
  process.stderr.write('handoff: the CLI bundle is missing (dist/handoff.js). Run `npm run build` in the handoff folder.\n');
  process.exit(2);
}
// From Node.js 22.1 on, V8's compiled code of the bundle is kept between runs by Node.js itself (in the OS temp
// folder). Node.js 20 has no such cache: the bundle's files are compiled with the code cache the build made in
// dist/code-cache (src/cli/code-cache.ts; HANDOFF_CODE_CACHE=off compiles as usual, for benchmarks).
const nodeModule = require('node:module');
if (nodeModule.enableCompileCache) nodeModule.enableCompileCache();
let compiler;
if (!nodeModule.enableCompileCache) {
  require(codeCache).useCodeCache({
    bundleDir: dist,
    cacheDir: path.join(dist, 'code-cache'),
    tier: () => (compiler?.optimizingCompilerHeld() ? 'turbofan-held' : 'default'),
    mode: require(codeCache).codeCacheMode(process.env.HANDOFF_CODE_CACHE),
  });
}
// For a run, V8's optimizing compiler stays off while the CLI's code loads: resolving its files alone would page it
// in (about 4 MB, for the whole run); the run turns it on once it is busy. `config validate` keeps it off throughout:
// compiling the YAML reader's and the schema's hot functions costs more CPU than they then save, even for 5,000 tasks.
// Other commands start sooner with it (on a second core it optimizes start-up's hot path functions); one that merely
// has an argument named "run" or "validate" turns it on as it starts. A command's help runs nothing: holding TurboFan
// would only load node:v8, which brings Node.js's streams (help is written without them, src/cli/standard-output.ts).
const args = process.argv.slice(2);
if ((args.includes('run') || args.includes('validate')) && !args.includes('--help') && !args.includes('-h')) {
  // V8 stamps the code cache of Node.js's own modules with its flags too, and refuses it once TurboFan is held: a
  // built-in first loaded after the hold is compiled from its source. The ones these commands always load are loaded
  // before it: a run's child_process (with net and dgram), os, and tty (its output at a terminal; loaded with the
  // cache, it costs nothing measurable when there is none). Measured: a rerun of a one-command project 262 → 236 M
  // instructions (callgrind, docs/benchmarks.md). `config validate` of a local project needs none of them, nor crypto
  // (only the clouds' store names use it): it loads nothing here.
  if (args.includes('run')) {
    require('node:child_process');
    require('node:os');
    require('node:tty');
  }
  compiler = require(optimizingCompiler);
  compiler.holdOptimizingCompiler();
}
require(bundle);
