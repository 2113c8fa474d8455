// Cloud Run jobs' CPU and memory limits, checked when project.yml is loaded and before anything is sent to Google Cloud.

/**
 * vCPUs a Cloud Run job's task may have, with the memory each allows (MiB). From Cloud Run's "Configure CPU limits"
 * and "Configure memory limits" for jobs: any whole number of vCPUs from the list below (values under 1 vCPU need the
 * first-generation environment and request-based billing, which jobs do not have); memory at least 512 MiB, at most
 * 4 GiB per vCPU up to 32 GiB; 4 vCPUs need at least 2 GiB and 6 or 8 vCPUs at least 4 GiB.
 */
const CLOUD_RUN_SIZES: ReadonlyArray<{ vcpu: number; minMemory: number; maxMemory: number }> = [
  { vcpu: 1, minMemory: 512, maxMemory: 4096 },
  { vcpu: 2, minMemory: 512, maxMemory: 8192 },
  { vcpu: 4, minMemory: 2048, maxMemory: 16384 },
  { vcpu: 6, minMemory: 4096, maxMemory: 24576 },
  { vcpu: 8, minMemory: 4096, maxMemory: 32768 },
];

/** Cloud Run's defaults for a job: 1 vCPU and 512 MiB. */
export const CLOUD_RUN_DEFAULT_CPU = 1024;
export const CLOUD_RUN_DEFAULT_MEMORY = 512;

export interface CloudRunSize {
  /** CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** MiB. */
  memory: number;
  /** As the Cloud Run API takes them: `limits: { cpu: "2", memory: "4096Mi" }`. */
  limits: { cpu: string; memory: string };
}

export interface CloudRunSizeProblem {
  /** `cpu` or `memory` (below `deploy`). */
  key: 'cpu' | 'memory';
  message: string;
  fix: string;
}

/** The allowed pairs in words, for messages: "1 vCPU (1024): 512-4096 MiB; 2 vCPU (2048): …". */
export function describeCloudRunSizes(): string {
  return CLOUD_RUN_SIZES.map((s) => `${s.vcpu} vCPU (cpu: ${s.vcpu * 1024}) with ${s.minMemory}-${s.maxMemory} MiB`).join('; ');
}

/**
 * Checks `deploy.cpu` (units, 1024 = 1 vCPU) and `deploy.memory` (MiB) against Cloud Run's allowed pairs and fills
 * the defaults (1 vCPU; memory the smallest the CPU allows, at least 512 MiB; with only memory, the fewest vCPUs that
 * allow it). Returns the size, or the problem naming the allowed combinations.
 */
export function checkCloudRunSize(input: { cpu?: number; memory?: number }): { size: CloudRunSize } | { problem: CloudRunSizeProblem } {
  const allowed = describeCloudRunSizes();
  let row = input.cpu === undefined ? undefined : CLOUD_RUN_SIZES.find((s) => s.vcpu * 1024 === input.cpu);
  if (input.cpu !== undefined && !row) {
    return {
      problem: {
        key: 'cpu',
        message: `deploy.cpu ${input.cpu} is not a CPU Cloud Run jobs allow`,
        fix: `use ${CLOUD_RUN_SIZES.map((s) => s.vcpu * 1024).join(', ')} (1024 = 1 vCPU); allowed: ${allowed}`,
      },
    };
  }
  if (!row) row = input.memory === undefined ? CLOUD_RUN_SIZES[0]! : CLOUD_RUN_SIZES.find((s) => input.memory! >= s.minMemory && input.memory! <= s.maxMemory);
  if (!row) {
    return {
      problem: { key: 'memory', message: `deploy.memory ${input.memory} MiB is more than Cloud Run jobs allow with any CPU`, fix: `use 512 to 32768 MiB; allowed: ${allowed}` },
    };
  }
  const memory = input.memory ?? row.minMemory;
  if (!Number.isInteger(memory) || memory < row.minMemory || memory > row.maxMemory) {
    return {
      problem: {
        key: 'memory',
        message: `deploy.memory ${memory} MiB is not allowed with deploy.cpu ${row.vcpu * 1024} (${row.vcpu} vCPU) on Cloud Run`,
        fix: `with ${row.vcpu} vCPU use ${row.minMemory} to ${row.maxMemory} MiB; allowed: ${allowed}`,
      },
    };
  }
  return { size: { cpu: row.vcpu * 1024, memory, limits: { cpu: String(row.vcpu), memory: `${memory}Mi` } } };
}
