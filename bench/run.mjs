// Launcher of `npm run bench`: bundles the TypeScript benchmarks with esbuild (Node 20 cannot run .ts), then runs them.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(repoRoot, 'node_modules', '.cache', 'handoff-bench');

await build({
  // The probes run in processes of their own (a cold loader, a bare spawn loop, a peak-RSS hook), so each is a file.
  entryPoints: {
    main: path.join(repoRoot, 'bench/src/main.ts'),
    'load-project-probe': path.join(repoRoot, 'bench/src/probes/load-project-probe.ts'),
    'spawn-floor-probe': path.join(repoRoot, 'bench/src/probes/spawn-floor-probe.ts'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'inline',
  // CommonJS dependencies bundled from src/ call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The exit hook runs inside every measured node process, so it is CommonJS as handoff's bundle is: an ES module hook
// would set up Node's ES module loader in each of them (about 10 ms and 1.5–1.9 MB) and measure the hook, not handoff.
await build({
  entryPoints: { 'record-peak-rss': path.join(repoRoot, 'bench/src/probes/record-peak-rss.ts') },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});

const { runBench } = await import(pathToFileURL(path.join(outdir, 'main.js')).href);
process.exitCode = await runBench(process.argv.slice(2), { repoRoot, probesDir: outdir });
