// Runs the built handoff CLI (bin/handoff.js → dist/) as a real process, optionally recording its own peak RSS.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchEnv, runProcessOk, type ProcessRun } from './run-process.js';

export interface HandoffRun extends ProcessRun {
  /** VmHWM of the handoff process itself in MB (10^6 bytes), when asked for. */
  peakRssMB?: number;
}

export interface HandoffCli {
  /** The command line that starts handoff, for the report. */
  readonly cliPath: string;
  run(args: string[], options?: { peakRss?: boolean; captureStdout?: boolean; cwd?: string }): Promise<HandoffRun>;
}

export function createHandoffCli(repoRoot: string, probesDir: string, tmpDir: string): HandoffCli {
  const cliPath = path.join(repoRoot, 'bin', 'handoff.js');
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'handoff.js'))) {
    throw new Error('dist/handoff.js is missing: run `npm run build` first (npm run bench does)');
  }
  const hook = pathToFileURL(path.join(probesDir, 'record-peak-rss.js')).href;
  let serial = 0;
  return {
    cliPath,
    async run(args, options = {}) {
      const nodeArgs = [cliPath, ...args];
      const env = benchEnv();
      let rssFile: string | undefined;
      if (options.peakRss) {
        // The hook reads /proc/self/status of the handoff process as it exits: VmHWM is its peak resident set.
        rssFile = path.join(tmpDir, `peak-rss-${process.pid}-${serial++}.txt`);
        nodeArgs.unshift('--import', hook);
        env.HANDOFF_BENCH_PEAK_RSS_FILE = rssFile;
      }
      const result: HandoffRun = await runProcessOk(`handoff ${args.join(' ')}`, process.execPath, nodeArgs, {
        env,
        cwd: options.cwd,
        captureStdout: options.captureStdout,
      });
      if (rssFile) {
        result.peakRssMB = (Number(fs.readFileSync(rssFile, 'utf8').trim()) * 1024) / 1e6;
        fs.rmSync(rssFile, { force: true });
      }
      return result;
    },
  };
}
