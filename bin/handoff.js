#!/usr/bin/env node
// Entry point of the `handoff` command: loads the single-file bundle built by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/handoff.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('handoff: the CLI bundle is missing (dist/handoff.js). Run `npm run build` in the handoff folder.\n');
  process.exit(2);
}
await import(bundle.href);
