// Bundles the CLI into one ESM file (dist/handoff.js) so `handoff` starts without resolving hundreds of modules.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/handoff.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Lazily imported modules (nunjucks, AWS SDK) become separate chunks would need splitting; one file keeps
  // start-up simple, and dynamic import() of bundled code costs nothing until it is reached.
  sourcemap: 'linked',
  legalComments: 'none',
  define: { HANDOFF_VERSION: JSON.stringify(pkg.version) },
  // nunjucks optionally requires chokidar for file watching, which handoff never uses.
  external: ['chokidar', 'fsevents'],
  // CommonJS dependencies (nunjucks) call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __handoffCreateRequire } from 'node:module'; const require = __handoffCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
