#!/usr/bin/env node
// Entry point of the `handoff` command: loads the single-file bundle built by `npm run build`.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/handoff.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('handoff: the CLI bundle is missing (dist/handoff.js). Run `npm run build` in the handoff folder.\n');
  process.exit(2);
}
// From Node.js 22.1 on, V8's compiled code of the bundle is kept between runs (in the OS temp folder), which saves
// most of the bundle's compile time at start-up. Node.js 20 has no such cache for ES modules, and the call is absent.
module.enableCompileCache?.();
await import(bundle.href);
