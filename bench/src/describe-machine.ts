// Describes the machine a run happened on, since absolute numbers mean nothing without it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  commit?: string;
  /** True when the working tree had uncommitted changes (the built CLI may differ from the commit). */
  dirty?: boolean;
  /** NODE_EXTRA_CA_CERTS is set in the environment (measured processes run without it: bench/src/run-process.ts). */
  extraCaCerts?: boolean;
}

export function describeMachine(repoRoot: string): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: os.cpus() is good enough
  }
  const machine: Machine = {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    ...(process.env.NODE_EXTRA_CA_CERTS ? { extraCaCerts: true } : {}),
  };
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    machine.commit = git('rev-parse', '--short', 'HEAD');
    machine.dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src').length > 0;
  } catch {
    // not a git checkout
  }
  return machine;
}
