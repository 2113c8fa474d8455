// Runs the built handoff CLI (bin/handoff.js → dist/) as a real process, optionally recording its own peak RSS.
import fs from 'node:fs';
import path from 'node:path';
import { benchEnv, runProcessOk, type ProcessRun } from './run-process.js';

export interface HandoffRun extends ProcessRun {
  /** VmHWM of the handoff process itself in MB (10^6 bytes), when asked for. */
  peakRssMB?: number;
  /** CPU time (user + system) of the handoff process itself in ms, without its children's, when asked for. */
  cpuMs?: number;
}

/** What the exit hook (probes/record-peak-rss.ts) wrote. */
export interface ProcessStats {
  peakRssKb: number;
  cpuMs: number;
}

export interface RunOptions {
  /** Record the process's peak RSS (and CPU time). */
  peakRss?: boolean;
  /** Record the process's own CPU time (and peak RSS). */
  cpu?: boolean;
  captureStdout?: boolean;
  cwd?: string;
  /** A command that execs node in turn, e.g. `taskset -c 1`. */
  prefix?: string[];
  /** What node runs instead of bin/handoff.js (for the `node -e 0` floor). */
  script?: string[];
  /** Variables added to the measured process's environment. */
  env?: NodeJS.ProcessEnv;
}

export interface HandoffCli {
  /** The command line that starts handoff, for the report. */
  readonly cliPath: string;
  /** Path of the exit hook that records peak RSS and CPU time, for `node --require` of other node processes. */
  readonly hook: string;
  /** `node -e 0` with the same exit hook, the floor that handoff's start-up is compared with. */
  runNodeFloor(): Promise<HandoffRun>;
  run(args: string[], options?: RunOptions): Promise<HandoffRun>;
}

export function createHandoffCli(repoRoot: string, probesDir: string, tmpDir: string): HandoffCli {
  const cliPath = path.join(repoRoot, 'bin', 'handoff.js');
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'handoff.js'))) {
    throw new Error('dist/handoff.js is missing: run `npm run build` first (npm run bench does)');
  }
  const hook = path.join(probesDir, 'record-peak-rss.cjs');
  let serial = 0;
  const cli: HandoffCli = {
    cliPath,
    hook,
    runNodeFloor: () => cli.run([], { cpu: true, script: ['-e', '0'] }),
    async run(args, options = {}) {
      const nodeArgs = [...(options.script ?? [cliPath]), ...args];
      const env = benchEnv(options.env);
      let rssFile: string | undefined;
      if (options.peakRss || options.cpu) {
        // The hook reads /proc/self/status of the handoff process as it exits: VmHWM is its peak resident set.
        rssFile = path.join(tmpDir, `peak-rss-${process.pid}-${serial++}.txt`);
        nodeArgs.unshift('--require', hook);
        env.HANDOFF_BENCH_PEAK_RSS_FILE = rssFile;
      }
      // A prefix (e.g. `taskset -c 1`) execs node in turn, so the process measured is still handoff's.
      const [file, ...fileArgs] = [...(options.prefix ?? []), process.execPath, ...nodeArgs];
      const result: HandoffRun = await runProcessOk(options.script ? `node ${options.script.join(' ')}` : `handoff ${args.join(' ')}`, file, fileArgs, {
        env,
        cwd: options.cwd,
        captureStdout: options.captureStdout,
      });
      if (rssFile) {
        const stats = JSON.parse(fs.readFileSync(rssFile, 'utf8')) as ProcessStats;
        fs.rmSync(rssFile, { force: true });
        result.peakRssMB = (stats.peakRssKb * 1024) / 1e6;
        result.cpuMs = stats.cpuMs;
      }
      return result;
    },
  };
  return cli;
}
