// Fargate's valid cpu/memory pairs and ephemeral storage range: checked when project.yml is loaded and before anything is sent to AWS.
import { UserError } from '../../errors.js';

/** Inclusive range of memory (MiB) in fixed steps. */
interface MemoryRange {
  from: number;
  to: number;
  step: number;
}

// From the ECS Developer Guide, "Task CPU and memory" (Fargate), and RegisterTaskDefinition's `memory`:
//   256 (.25 vCPU): 512, 1024, 2048
//   512 (.5 vCPU):  1024-4096 in 1024 steps
//   1024 (1 vCPU):  2048-8192 in 1024 steps
//   2048 (2 vCPU):  4096-16384 in 1024 steps
//   4096 (4 vCPU):  8192-30720 in 1024 steps
//   8192 (8 vCPU):  16384-61440 in 4096 steps (Linux platform 1.4.0 or later)
//   16384 (16 vCPU): 32768-122880 in 8192 steps (Linux platform 1.4.0 or later)
// 256 is the one cpu whose memory list is not a single step (512 then 1024 steps), so it is two ranges.
const FARGATE_MEMORY: ReadonlyMap<number, readonly MemoryRange[]> = new Map([
  [256, [{ from: 512, to: 512, step: 512 }, { from: 1024, to: 2048, step: 1024 }]],
  [512, [{ from: 1024, to: 4096, step: 1024 }]],
  [1024, [{ from: 2048, to: 8192, step: 1024 }]],
  [2048, [{ from: 4096, to: 16384, step: 1024 }]],
  [4096, [{ from: 8192, to: 30720, step: 1024 }]],
  [8192, [{ from: 16384, to: 61440, step: 4096 }]],
  [16384, [{ from: 32768, to: 122880, step: 8192 }]],
]);

// Ephemeral storage: Fargate gives 20 GiB by default; EphemeralStorage.sizeInGiB accepts 21-200 (ECS API reference).
export const FARGATE_DEFAULT_STORAGE_GIB = 20;
export const FARGATE_MIN_STORAGE_GIB = 21;
export const FARGATE_MAX_STORAGE_GIB = 200;

export const FARGATE_DEFAULT_CPU = 256;

export interface FargateSize {
  /** CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** MiB. */
  memory: number;
  /** GiB of ephemeral storage; present only when more than Fargate's default 20 GiB is asked for. */
  storage?: number;
}

/** The cpu values Fargate accepts, smallest first. */
export function listFargateCpus(): number[] {
  return [...FARGATE_MEMORY.keys()];
}

/** The memory values (MiB) Fargate accepts for `cpu`, smallest first; empty for an invalid cpu. */
export function listFargateMemories(cpu: number): number[] {
  const memories: number[] = [];
  for (const range of FARGATE_MEMORY.get(cpu) ?? []) {
    for (let m = range.from; m <= range.to; m += range.step) memories.push(m);
  }
  return memories;
}

/** A size problem: which deploy key, what is wrong, and the values that would work. */
export interface SizeProblem {
  /** `deploy.cpu`, `deploy.memory` or `deploy.storage`. */
  path: string;
  message: string;
  fix: string;
}

/**
 * Checks `deploy.cpu`/`memory`/`storage` against Fargate's rules and fills defaults: cpu 256; memory the smallest
 * valid for the cpu (512 for 256); with only memory given, the smallest cpu that supports it. Throws UserError
 * listing the valid values.
 */
export function validateFargateSize(input: { cpu?: number; memory?: number; storage?: number }): FargateSize {
  const checked = checkFargateSize(input);
  if ('problem' in checked) throw sizeError(checked.problem);
  return checked.size;
}

/** The first thing wrong with the sizes (the loader reports it at its line), else the size with defaults filled. */
export function checkFargateSize(input: { cpu?: number; memory?: number; storage?: number }): { size: FargateSize } | { problem: SizeProblem } {
  let cpu = input.cpu;
  if (cpu === undefined) {
    if (input.memory === undefined) cpu = FARGATE_DEFAULT_CPU;
    else {
      cpu = findSmallestCpuFor(input.memory);
      if (cpu === undefined) {
        return {
          problem: {
            message: `deploy.memory ${input.memory} MiB is not a Fargate memory value for any cpu`,
            path: 'deploy.memory',
            fix: `use e.g. 512, 1024, 2048 … 8192 (1 GiB steps) or set deploy.cpu to see its valid memory values`,
          },
        };
      }
    }
  }
  const memories = listFargateMemories(cpu);
  if (memories.length === 0) {
    return { problem: { message: `deploy.cpu ${cpu} is not a Fargate cpu value`, path: 'deploy.cpu', fix: `use one of ${listFargateCpus().join(', ')} (1024 = 1 vCPU)` } };
  }
  const memory = input.memory ?? memories[0]!;
  if (!memories.includes(memory)) {
    return {
      problem: {
        message: `deploy.memory ${memory} MiB is not valid with deploy.cpu ${cpu} on Fargate`,
        path: 'deploy.memory',
        fix: `with cpu ${cpu}, memory must be one of ${memories.join(', ')} (MiB)`,
      },
    };
  }
  const size: FargateSize = { cpu, memory };
  if (input.storage !== undefined) {
    const s = input.storage;
    const valid = Number.isInteger(s) && (s === FARGATE_DEFAULT_STORAGE_GIB || (s >= FARGATE_MIN_STORAGE_GIB && s <= FARGATE_MAX_STORAGE_GIB));
    if (!valid) {
      return {
        problem: {
          message: `deploy.storage ${s} GiB is not valid on Fargate`,
          path: 'deploy.storage',
          fix: `use a whole number of GiB from ${FARGATE_MIN_STORAGE_GIB} to ${FARGATE_MAX_STORAGE_GIB}, or leave it out for the default ${FARGATE_DEFAULT_STORAGE_GIB} GiB`,
        },
      };
    }
    if (s > FARGATE_DEFAULT_STORAGE_GIB) size.storage = s;
  }
  return { size };
}

function findSmallestCpuFor(memory: number): number | undefined {
  return listFargateCpus().find((c) => listFargateMemories(c).includes(memory));
}

function sizeError(problem: SizeProblem): UserError {
  return new UserError(problem.message, { fix: problem.fix, diagnostics: [{ severity: 'error', message: problem.message, path: problem.path, hint: problem.fix }] });
}
