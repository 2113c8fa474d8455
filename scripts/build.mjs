// Bundles the CLI into dist/handoff.js plus lazily loaded chunks, so `handoff` starts without resolving hundreds of modules.
import { build } from 'esbuild';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
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

/**
 * The build is written into a folder of its own and put in place of dist/ only once it is whole, so a build stopped
 * half-way (Ctrl-C during `npm install`, a killed `npx`) leaves the previous CLI working, not a dist/handoff.js whose
 * chunks are gone. It starts empty: chunks are named by content hash, and would otherwise pile up build after build.
 * Folders left by builds that were stopped are removed (not those of a build still going on beside this one).
 */
const isAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};
for (const name of readdirSync('.')) {
  const stopped = /^dist\.(?:building|replaced)-(\d+)$/.exec(name);
  if (stopped && Number(stopped[1]) !== process.pid && !isAlive(Number(stopped[1]))) rmSync(name, { recursive: true, force: true });
}
const outDir = `dist.building-${process.pid}`;
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir);
// A build that fails leaves nothing behind (after the last step, the folder is dist/ and this finds nothing).
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));

/**
 * Node.js's built-in modules as plain values in the CommonJS build. Converted to CommonJS, `import fs from 'node:fs'`
 * becomes `__toESM(require('node:fs'))`, which copies every property of the module into a new object of getters, in
 * every chunk that imports it: 50 copies of fs, path and os on a run's path, about 0.5 MB of memory and 1.5 ms at each
 * start. Instead each built-in that handoff's code imports is one small module of the bundle: its default export is
 * what require() returns, and each of its data properties (as the building Node.js has them) is a named export, read
 * once; accessors, such as fs.promises, are left to the default export, as reading one loads a module.
 */
/**
 * The data properties of a built-in module as a fresh Node.js has them, asked of a node of its own: Node.js makes some
 * properties lazy accessors that turn into data properties once read (fs.Dir, fs.opendir, fs.opendirSync load
 * internal/fs/dir), and this build's own work reads some of them, which made every start read them too.
 */
let builtinProperties;
async function dataPropertiesOfBuiltin(name) {
  // One node for every built-in (a node per built-in made a build on a loaded machine tens of seconds slower).
  builtinProperties ??= (async () => {
    const script = `const all = {};
      for (const id of require('node:module').builtinModules) {
        try {
          const d = Object.getOwnPropertyDescriptors(require(id));
          all[id] = Object.keys(d).filter((k) => 'value' in d[k] && /^[A-Za-z_$][\\w$]*$/.test(k) && k !== 'default');
        } catch {}
      }
      process.stdout.write(JSON.stringify(all));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout);
  })();
  const properties = (await builtinProperties)[name.replace(/^node:/, '')];
  if (!properties) throw new Error(`build: no property list for the built-in ${name}`);
  return properties;
}

const builtinsAsValues = {
  name: 'builtins-as-values',
  setup(pluginBuild) {
    // handoff's own imports only: dependencies import built-ins by name (accessors too, e.g. fs.ReadStream), which
    // converts to CommonJS without a copy.
    const ownSources = `${path.resolve('src')}${path.sep}`;
    pluginBuild.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === 'import-statement' && args.importer.startsWith(ownSources) ? { path: args.path, namespace: 'builtin' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'builtin' }, async (args) => {
      const exports = (await dataPropertiesOfBuiltin(args.path)).map((name) => `export const ${name} = builtin.${name};`);
      return { contents: [`const builtin = require(${JSON.stringify(args.path)});`, 'export default builtin;', ...exports].join('\n'), loader: 'js' };
    });
  },
};

/**
 * commander requires child_process as it loads, for subcommands that are separate executables, which handoff has none
 * of; child_process brings net, dgram and the streams with it: about 6 ms of every command that starts no process
 * (`handoff --help` 143 → 137 ms against `node -e 0` at 103 ms, 40 alternating runs). In commander's copy the module
 * is read at its first use instead.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(pluginBuild) {
    const commander = `${path.sep}node_modules${path.sep}commander${path.sep}`;
    pluginBuild.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.kind === 'require-call' && args.importer.includes(commander) ? { path: args.path, namespace: 'lazy-builtin' } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let loaded;\nmodule.exports = new Proxy({}, { get: (_, name) => (loaded ??= require(${JSON.stringify(args.path)}))[name] });`,
      loader: 'js',
    }));
  },
};

// Two steps, because esbuild splits code into chunks only in ES module format, while Node.js starts a CommonJS file
// faster and in less memory: an ES module entry sets up Node's ES module loader (about 10 ms and 1.5–1.9 MB here,
// for `--help` as for a run). First the split build as ES modules, into a folder of its own; then every file of it
// converted to CommonJS in dist/ (each `import()` becomes a `require()` of its chunk, read only when reached).
// In the OS temp folder, outside the package: inside it, package.json's "type": "module" would change how the second
// step converts the chunks' imports of CommonJS modules (nunjucks' exports then came out undefined). The prefix is
// not that of container build contexts (handoff-build-).
const esmDir = mkdtempSync(path.join(tmpdir(), 'handoff-bundle-'));
process.on('exit', () => rmSync(esmDir, { recursive: true, force: true }));
let cli;
try {
  cli = await build({
    // optimizing-compiler: what bin/handoff.js calls before the CLI loads (it holds V8's TurboFan off during start-up);
    // as a second entry point it shares one module with the CLI, which turns TurboFan on again.
    entryPoints: { handoff: 'src/cli/main.ts', 'optimizing-compiler': 'src/cli/optimizing-compiler.ts' },
    outdir: esmDir,
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
    plugins: [builtinsAsValues, lazyChildProcessForCommander],
    metafile: true,
    logLevel: 'warning',
  });
  const esmFiles = readdirSync(esmDir, { recursive: true })
    .filter((file) => file.endsWith('.js'))
    .map((file) => path.join(esmDir, file));
  // A few modules find files beside themselves from import.meta.url (the launcher, the web UI's assets): in CommonJS
  // that is the chunk's own file. Only those chunks get the line that computes it.
  const readsOwnUrl = esmFiles.filter((file) => readFileSync(file, 'utf8').includes('import.meta'));
  const toCommonJs = (entryPoints, withOwnUrl) =>
    build({
      entryPoints,
      outbase: esmDir,
      outdir: outDir,
      bundle: false,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // Reads the first step's source maps, so the maps in dist/ still point at src/ and node_modules/.
      sourcemap: 'linked',
      legalComments: 'none',
      // Without this esbuild keeps import() (an ES module load) in CommonJS output; a require() keeps one module system.
      supported: { 'dynamic-import': false },
      ...(withOwnUrl
        ? {
            define: { 'import.meta.url': '__handoffModuleUrl' },
            banner: { js: "var __handoffModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
          }
        : {}),
      logLevel: 'error',
    });
  await toCommonJs(
    esmFiles.filter((file) => !readsOwnUrl.includes(file)),
    false,
  );
  if (readsOwnUrl.length > 0) await toCommonJs(readsOwnUrl, true);
} finally {
  rmSync(esmDir, { recursive: true, force: true });
}
// The package is "type": "module" (src/ and the tests are ES modules); the built files are CommonJS.
writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// `import { z } from 'zod'` anywhere makes esbuild keep zod's whole namespace, with its 40 locales, in the chunk every
// project load compiles (+550 KB, about +20 ms at each start); `import * as z from 'zod'` lets it drop them.
const bundledInputs = Object.values(cli.metafile.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, use]) => use.bytesInOutput > 0).map(([input]) => input));
const zodLocales = bundledInputs.filter((input) => /zod\/v4\/locales\/(?!en\.|index\.)/.test(input));
if (zodLocales.length > 0) {
  throw new Error(`the CLI bundle holds ${zodLocales.length} zod locales (e.g. ${zodLocales[0]}): import zod as \`import * as z from 'zod'\`, never \`import { z }\``);
}

// What bin/handoff.js loads first, so the bundle's files are compiled with V8's code cache (src/cli/code-cache.ts): one
// file of its own, not split with the CLI, so the commands that gain nothing from the cache (`--help`) pay only for it.
await build({
  entryPoints: { 'code-cache': 'src/cli/code-cache.ts' },
  // Its fs, path, vm and module as plain values too: converted, each was a copy of every property (fs has 100).
  plugins: [builtinsAsValues],
  outdir: outDir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});

// The web UI's page (`handoff ui`): plain TypeScript and CSS for the browser, served by the UI server from dist/ui/.
await build({
  entryPoints: { app: 'src/ui/web/app.ts' },
  outdir: path.join(outDir, 'ui'),
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
const launcherOutput = path.join(outDir, 'handoff-launch');
const cc = process.env.CC || 'cc';
const flags = ['-Os', '-s', '-Wall', '-Wextra', '-Werror', '-o', launcherOutput, launcherSource];
const compile = (extra) => spawnSync(cc, [...extra, ...flags], { encoding: 'utf8' });
let compiled = compile(['-static']);
if (compiled.status !== 0 && !compiled.error) {
  // No static C library (e.g. libc6-dev without libc.a): a dynamic binary runs wherever this machine's libc does.
  const dynamic = compile([]);
  if (dynamic.status === 0) {
    console.warn(`build: dist/handoff-launch is linked dynamically (static linking failed: ${compiled.stderr.trim().split('\n').pop()}); a container image needs a C library compatible with this machine's`);
  }
  compiled = dynamic;
}
if (compiled.error || compiled.status !== 0) {
  const why = compiled.error ? `${cc} was not found (${compiled.error.code})` : compiled.stderr.trim();
  console.warn(
    `build: WARNING: could not compile dist/handoff-launch: ${why}\n` +
      'build: handoff builds without it, but it cannot run tasks until it is built: install a C compiler (Debian: apt-get install gcc libc6-dev) and run `npm run build` again',
  );
}

// The whole build replaces dist/ in two renames: no moment shows a dist/ of two builds mixed.
const replaced = `dist.replaced-${process.pid}`;
if (existsSync('dist')) renameSync('dist', replaced);
renameSync(outDir, 'dist');
rmSync(replaced, { recursive: true, force: true });

/**
 * V8's code cache of the bundle (src/cli/code-cache.ts; Node.js 20 only, later versions keep their own): the commands
 * a user runs most are run once here on a small project, and what V8 compiled for them is saved in dist/code-cache.
 * A run holds TurboFan off as it starts, which V8's cache stamps, so a run's files are cached by the second run
 * (the first checks the new project with TurboFan on). Nothing here can fail the build: without a cache every file
 * is compiled as usual.
 */
function trainCodeCache() {
  if (require('node:module').enableCompileCache) return;
  const scratch = mkdtempSync(path.join(tmpdir(), 'handoff-code-cache-'));
  try {
    const project = path.join(scratch, 'project');
    const workspace = path.join(scratch, 'workspace');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'project.yml'),
      [
        'vars:',
        '  - key: greeting',
        '    value: hello',
        'envs:',
        '  - key: GREETING',
        '    value: "{{ greeting }}"',
        'tasks:',
        '  - name: words',
        '    pipeline:',
        '      - command: printf',
        "        args: \"'a\\\\nb\\\\n'\"",
        '      - command: cat',
        '  - name: lines',
        '    pipeline:',
        '      - command: printf',
        "        args: \"'x\\\\ny\\\\n'\"",
        '      - foreach:',
        '          - name: each',
        '            commands:',
        '              - command: echo',
        '                args: "{{ greeting }} {{ _line }}"',
        '  - name: hello',
        '    commands:',
        '      - command: echo',
        '        args: hello',
        '',
      ].join('\n'),
    );
    const handoff = (args, mode) =>
      spawnSync(process.execPath, ['bin/handoff.js', ...args], {
        env: { ...process.env, HANDOFF_CODE_CACHE: mode },
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 60_000,
      });
    // Each file's cache holds what the last process that wrote it compiled: commands that write the same tier's files
    // (`config validate`, a dry run and a rerun all hold TurboFan) go from the one that runs least of the shared files
    // to the one that runs most, the rerun last. A dry run written after the rerun left the run's own functions (the
    // launcher, the records) out of the cache of every file both load: a rerun compiled them at each start.
    const commands = [
      ['--help'],
      ['config', 'validate', '-p', project],
      ['run', 'local', '-p', project, '-w', workspace],
      ['run', 'local', '--dry-run', '-p', project, '-w', workspace],
      ['run', 'local', '-p', project, '-w', workspace],
    ];
    for (const args of commands) handoff(args, 'write');
    // What a rerun now takes from the cache, as a line of the build's output (a file V8 refused counts as not taken).
    const taken = [['--help'], ['config', 'validate', '-p', project], ['run', 'local', '-p', project, '-w', workspace]].map((args) => {
      const counted = /code cache: (\d+ of \d+)/.exec(handoff(args, 'stats').stderr ?? '');
      return `${args.slice(0, 2).join(' ')} ${counted ? counted[1] : 'none'}`;
    });
    console.log(`build: V8 code cache in dist/code-cache (bundle files from it: ${taken.join(', ')})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
trainCodeCache();
