#!/usr/bin/env node
// Entry point of the `handoff` command: loads the bundle built by `npm run build` (CommonJS, as bin/package.json says).
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'handoff.js');
const optimizingCompiler = path.join(__dirname, '..', 'dist', 'optimizing-compiler.js');
if (!existsSync(bundle) || !existsSync(optimizingCompiler)) {
  process.stderr.write('handoff: the CLI bundle is missing (dist/handoff.js). Run `npm run build` in the handoff folder.\n');
  process.exit(2);
}
// From Node.js 22.1 on, V8's compiled code of the bundle is kept between runs (in the OS temp folder), which saves
// most of the bundle's compile time at start-up. Node.js 20 has no such cache, and the call is absent.
require('node:module').enableCompileCache?.();
// For a run, V8's optimizing compiler stays off while the CLI's code loads: resolving its files alone would page it
// in (about 4 MB, for the whole run); the run turns it on once it is busy. Other commands start sooner with it (on a
// second core it optimizes start-up's hot path functions); one that merely has an argument named "run" turns it on as
// it starts.
if (process.argv.slice(2).includes('run')) require(optimizingCompiler).holdOptimizingCompiler();
require(bundle);
