// Bundles the CLI into dist/handoff.js plus lazily loaded chunks, so `handoff` starts without resolving hundreds of modules.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

// Chunks are named by content hash: without this, every build would leave the previous build's chunks beside its own.
rmSync('dist/chunks', { recursive: true, force: true });
rmSync('dist/ui', { recursive: true, force: true });

const cli = await build({
  // optimizing-compiler: what bin/handoff.js calls before the CLI loads (it holds V8's TurboFan off during start-up);
  // as a second entry point it shares one module with the CLI, which turns TurboFan on again.
  entryPoints: { handoff: 'src/cli/main.ts', 'optimizing-compiler': 'src/cli/optimizing-compiler.ts' },
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
  // google-gax computes a path from __dirname when it loads (it reads no file from there over the HTTP/JSON transport
  // handoff uses). Injected, not declared in the banner: esbuild then renames modules' own variables of those names
  // (@azure/storage-common has `var __filename`) instead of leaving two declarations in one chunk.
  inject: ['scripts/cjs-paths.js'],
  metafile: true,
  logLevel: 'warning',
});

// `import { z } from 'zod'` anywhere makes esbuild keep zod's whole namespace, with its 40 locales, in the chunk every
// project load compiles (+550 KB, about +20 ms at each start); `import * as z from 'zod'` lets it drop them.
const bundledInputs = Object.values(cli.metafile.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, use]) => use.bytesInOutput > 0).map(([input]) => input));
const zodLocales = bundledInputs.filter((input) => /zod\/v4\/locales\/(?!en\.|index\.)/.test(input));
if (zodLocales.length > 0) {
  throw new Error(`the CLI bundle holds ${zodLocales.length} zod locales (e.g. ${zodLocales[0]}): import zod as \`import * as z from 'zod'\`, never \`import { z }\``);
}

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

// The process launcher every command runs under (src/process/handoff-launch.c): a child subreaper that ends whatever a
// command leaves behind. Linked statically, so the same file runs in any Linux container image handoff is copied into.
// Without a C compiler the rest of handoff still builds and works, but running a task stops with a clear error naming
// this step (see src/process/launcher-path.ts); CC chooses the compiler.
const launcherSource = 'src/process/handoff-launch.c';
const launcherOutput = 'dist/handoff-launch';
const cc = process.env.CC || 'cc';
const flags = ['-Os', '-s', '-Wall', '-Wextra', '-Werror', '-o', launcherOutput, launcherSource];
mkdirSync('dist', { recursive: true });
rmSync(launcherOutput, { force: true });
const compile = (extra) => spawnSync(cc, [...extra, ...flags], { encoding: 'utf8' });
let compiled = compile(['-static']);
if (compiled.status !== 0 && !compiled.error) {
  // No static C library (e.g. libc6-dev without libc.a): a dynamic binary runs wherever this machine's libc does.
  const dynamic = compile([]);
  if (dynamic.status === 0) {
    console.warn(`build: ${launcherOutput} is linked dynamically (static linking failed: ${compiled.stderr.trim().split('\n').pop()}); a container image needs a C library compatible with this machine's`);
  }
  compiled = dynamic;
}
if (compiled.error || compiled.status !== 0) {
  const why = compiled.error ? `${cc} was not found (${compiled.error.code})` : compiled.stderr.trim();
  console.warn(
    `build: WARNING: could not compile ${launcherOutput}: ${why}\n` +
      'build: handoff builds without it, but it cannot run tasks until it is built: install a C compiler (Debian: apt-get install gcc libc6-dev) and run `npm run build` again',
  );
}
