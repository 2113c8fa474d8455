// `npm run bench [-- <name>…] [--runs N]`: runs the benchmarks, prints the table and saves bench/results/<date>.json/.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext, Benchmark, BenchmarkResult } from './benchmark.js';
import { describeMachine } from './describe-machine.js';
import { formatReport, formatResultsTable } from './format-report.js';
import { createHandoffCli } from './handoff-cli.js';
import { forkThroughput } from './benchmarks/fork-throughput.js';
import { foreachOverhead } from './benchmarks/foreach-overhead.js';
import { memory } from './benchmarks/memory.js';
import { pipelineThroughput } from './benchmarks/pipeline-throughput.js';
import { projectSize } from './benchmarks/project-size.js';
import { singerPipeline } from './benchmarks/singer-pipeline.js';
import { startUp } from './benchmarks/start-up.js';
import { runsList } from './benchmarks/runs-list.js';
import { schedulerScale } from './benchmarks/scheduler-scale.js';
import { uiLoad } from './benchmarks/ui-load.js';

const BENCHMARKS: Benchmark[] = [startUp, projectSize, pipelineThroughput, forkThroughput, foreachOverhead, singerPipeline, memory, runsList, schedulerScale, uiLoad];

const USAGE = `usage: npm run bench [-- <name>… ] [--runs N]

Runs each benchmark N times (default 5) after a warm-up, each against a raw shell baseline in the same run, prints
the median and spread, and writes bench/results/<date>.json and .md.

benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}`;

export async function runBench(argv: string[], options: { repoRoot: string; probesDir: string }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const runs = parsed.values.runs === undefined ? 5 : Number(parsed.values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`--runs must be a whole number of at least 1, not "${parsed.values.runs}"\n`);
    return 2;
  }
  const unknown = parsed.positionals.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}\n\n${USAGE}\n`);
    return 2;
  }
  const selected = parsed.positionals.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => parsed.positionals.includes(b.name));

  const startedAt = new Date();
  const loadAtStart = os.loadavg()[0];
  const machine = describeMachine(options.repoRoot);
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-bench-'));
  const handoff = createHandoffCli(options.repoRoot, options.probesDir, tmpRoot);
  const python = findPython();
  process.stderr.write(`handoff benchmarks on ${machine.cpus} CPUs (${machine.cpuModel}), Node.js ${machine.node}; ${runs} runs each\n`);

  const results: BenchmarkResult[] = [];
  let failed = false;
  try {
    for (const benchmark of selected) {
      const began = Date.now();
      const tmpDir = path.join(tmpRoot, benchmark.name);
      fs.mkdirSync(tmpDir);
      const ctx: BenchContext = {
        handoff,
        runs,
        tmpDir,
        python,
        fixturesDir: path.join(options.repoRoot, 'bench', 'fixtures'),
        probesDir: options.probesDir,
        repoRoot: options.repoRoot,
        progress: (message) => process.stderr.write(`  [${benchmark.name}] ${message}\n`),
      };
      process.stderr.write(`${benchmark.title} (${benchmark.name})…\n`);
      try {
        const outcome = await benchmark.run(ctx);
        results.push({ name: benchmark.name, title: benchmark.title, ...outcome, durationMs: Date.now() - began });
      } catch (error) {
        failed = true;
        const message = (error as Error).message;
        process.stderr.write(`  [${benchmark.name}] failed: ${message}\n`);
        results.push({ name: benchmark.name, title: benchmark.title, notes: [`failed: ${message}`], rows: [], durationMs: Date.now() - began });
      } finally {
        // Workspaces hold per-line logs and CSV output; nothing of it is needed once the numbers are in.
        fs.rmSync(tmpDir, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  }

  const elapsed = (Date.now() - startedAt.getTime()) / 1000;
  // Other work on the machine slows handoff and the baselines alike, but it shows in absolute times: record it.
  const load = { atStart: loadAtStart, atEnd: os.loadavg()[0] };
  const report = formatReport(results, machine, runs, startedAt, load);
  const resultsDir = path.join(options.repoRoot, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = `${startedAt.toISOString().slice(0, 16).replace(':', '')}Z`;
  const base = path.join(resultsDir, selected === BENCHMARKS ? stamp : `${stamp}-${selected.map((b) => b.name).join('-')}`);
  const complete = selected === BENCHMARKS;
  fs.writeFileSync(`${base}.json`, `${JSON.stringify({ startedAt: startedAt.toISOString(), elapsedSeconds: elapsed, complete, runs, machine, loadAverage: load, results }, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, report);

  process.stdout.write(`\n${formatResultsTable(results)}\n\n`);
  for (const result of results) for (const note of result.notes) process.stdout.write(`- ${result.title}: ${note}\n`);
  process.stdout.write(`\nfinished in ${elapsed.toFixed(0)} s; wrote ${path.relative(options.repoRoot, base)}.json and .md\n`);
  return failed ? 1 : 0;
}

/** The interpreter behind `python3`, by its real path: a pyenv shim is a bash script whose start-up would be timed too. */
function findPython(): string {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  } catch {
    return 'python3';
  }
}
