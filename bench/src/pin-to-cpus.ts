// Pins a benchmark's variants to the same CPU with taskset, so a ratio does not depend on where the scheduler puts them.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface Pinning {
  /** The command prefix, e.g. ['taskset', '-c', '1']. */
  prefix: string[];
  /** In words, for the report. */
  label: string;
}

/**
 * One CPU (the last) for every process of both variants: on a 2-core machine, pinning to both cores changes nothing,
 * and the placement of three busy processes on two cores is what makes unpinned runs bimodal. Undefined when taskset
 * is missing (util-linux), in which case the pinned rows are left out.
 */
export function pinToOneCpu(): Pinning | undefined {
  const cpu = os.cpus().length - 1;
  try {
    execFileSync('taskset', ['-c', String(cpu), 'true'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { prefix: ['taskset', '-c', String(cpu)], label: `taskset -c ${cpu}` };
}
