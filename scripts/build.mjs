// Bundles the CLI into dist/handoff.js plus lazily loaded chunks, so `handoff` starts without resolving hundreds of modules.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { handoff: 'src/cli/main.ts' },
  outdir: 'dist',
  // Code behind a dynamic import() (each command's body, nunjucks, the AWS SDK) goes into chunks of its own that are
  // read only when that command runs, so `handoff --help` parses a small entry file.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { HANDOFF_VERSION: JSON.stringify(pkg.version) },
  // nunjucks optionally requires chokidar for file watching, which handoff never uses.
  external: ['chokidar', 'fsevents'],
  // CommonJS dependencies (nunjucks) call require(), and google-gax computes a path from __dirname when it loads (it
  // reads no file from there over the HTTP/JSON transport handoff uses); give every ESM output file both.
  banner: {
    js:
      "import { createRequire as __handoffCreateRequire } from 'node:module'; const require = __handoffCreateRequire(import.meta.url);" +
      " import { fileURLToPath as __handoffFileUrlToPath } from 'node:url'; const __filename = __handoffFileUrlToPath(import.meta.url);" +
      " import { dirname as __handoffDirname } from 'node:path'; const __dirname = __handoffDirname(__filename);",
  },
  logLevel: 'warning',
});

// The web UI's page (`handoff ui`): plain TypeScript and CSS for the browser, served by the UI server from dist/ui/.
await build({
  entryPoints: { app: 'src/ui/web/app.ts' },
  outdir: 'dist/ui',
  bundle: true,
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
