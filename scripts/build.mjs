// Bundles the CLI into dist/handoff.js plus lazily loaded chunks, so `handoff` starts without resolving hundreds of modules.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * A hash of everything the bundle is made from (sources, locked dependencies, this script): caches of work done by
 * one build (the validated project in a workspace) are not trusted by another, even of the same version.
 */
function hashBuildInputs() {
  const hash = createHash('sha256');
  const files = readdirSync('src', { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort();
  for (const file of [...files, 'package-lock.json', 'scripts/build.mjs'].filter((f) => existsSync(f))) hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

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
  define: { HANDOFF_VERSION: JSON.stringify(pkg.version), HANDOFF_BUILD_ID: JSON.stringify(hashBuildInputs()) },
  // nunjucks optionally requires chokidar for file watching, which handoff never uses.
  external: ['chokidar', 'fsevents'],
  // CommonJS dependencies (nunjucks) call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __handoffCreateRequire } from 'node:module'; const require = __handoffCreateRequire(import.meta.url);",
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
