// Test helper: runs the built CLI with a preloaded recorder of the modules it loads, and finds bundle files built from a package.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliPath, makeTempDir, repoRoot } from './cli.js';

const hook = path.join(repoRoot, 'test', 'store', 'fixtures', 'record-modules.cjs');

/** Runs the built CLI with a module recorder and returns the files of dist/ it loaded, and the built-in modules its code imported. */
export function runRecorded(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; loaded: string[]; builtins: string[]; stderr: string }> {
  const log = path.join(makeTempDir(), 'modules.log');
  fs.writeFileSync(log, '');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', hook, cliPath, ...args], {
      cwd: repoRoot,
      env: { ...process.env, HANDOFF_TEST_MODULE_LOG: log, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.on('close', (code) => {
      const urls = fs.readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:'));
      const loaded = [...new Set(urls.map((u) => fileURLToPath(u)).filter((f) => f.startsWith(path.join(repoRoot, 'dist'))))];
      const lines = fs.readFileSync(log, 'utf8').split('\n');
      const builtins = [...new Set(lines.filter((u) => u.startsWith('node:')).map((u) => u.slice('node:'.length)))];
      resolve({ code, loaded, builtins, stderr });
    });
  });
}

/**
 * Which loaded bundle files hold a package's code, by their source maps: esbuild lists every bundled source, so a chunk
 * built from node_modules/<prefix> names it there (`@aws-sdk/`, `@azure/`).
 */
export function findFilesWithPackage(files: string[], prefix: string): string[] {
  return files.filter((file) => {
    const map = `${file}.map`;
    if (!fs.existsSync(map)) return false;
    const sources = (JSON.parse(fs.readFileSync(map, 'utf8')) as { sources: string[] }).sources;
    return sources.some((s) => s.includes(`node_modules/${prefix}`));
  });
}

/** The packages whose code the loaded bundle files hold, by their source maps: the first group of `pattern` per source. */
export function findPackages(files: string[], pattern: RegExp): Set<string> {
  const packages = new Set<string>();
  for (const file of files) {
    if (!fs.existsSync(`${file}.map`)) continue;
    for (const source of (JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources) {
      const name = pattern.exec(source)?.[1];
      if (name) packages.add(name);
    }
  }
  return packages;
}
