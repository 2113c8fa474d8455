// Container Apps' CPU and memory pairs, checked when project.yml is loaded and before anything is sent to Azure.

/**
 * A Container Apps job on the Consumption workload profile takes one of these pairs: 0.25 vCPU with 0.5 GiB, then
 * steps of 0.25 vCPU and 0.5 GiB up to 4 vCPU with 8 GiB; the memory is always twice the vCPUs in GiB (Azure
 * Container Apps, "Containers", allocations of the Consumption profile). In handoff's units (cpu 1024 = 1 vCPU,
 * memory in MiB) that is cpu 256·k with memory 512·k MiB, k from 1 to 16.
 */
const STEPS = 16;
const CPU_STEP = 256;
const MEMORY_STEP = 512;

/** Handoff's default on Container Apps: 0.5 vCPU and 1 GiB, as `az containerapp job create` defaults to. */
export const CONTAINER_APPS_DEFAULT_CPU = 512;

export interface ContainerAppsSize {
  /** CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** MiB. */
  memory: number;
  /** As the Container Apps API takes them: `resources: { cpu: 0.5, memory: "1Gi" }`. */
  resources: { cpu: number; memory: string };
}

export interface ContainerAppsSizeProblem {
  /** `cpu` or `memory` (below `deploy`). */
  key: 'cpu' | 'memory';
  message: string;
  fix: string;
}

/** The pairs in words, for messages: "cpu 256 with memory 512, cpu 512 with memory 1024, …". */
export function describeContainerAppsSizes(): string {
  return Array.from({ length: STEPS }, (_, i) => `${(i + 1) * CPU_STEP}/${(i + 1) * MEMORY_STEP}`).join(', ');
}

function toSize(step: number): ContainerAppsSize {
  const vcpu = (step * CPU_STEP) / 1024;
  const gib = (step * MEMORY_STEP) / 1024;
  return { cpu: step * CPU_STEP, memory: step * MEMORY_STEP, resources: { cpu: vcpu, memory: `${gib}Gi` } };
}

/**
 * Checks `deploy.cpu` (units) and `deploy.memory` (MiB) against Container Apps' pairs and fills the other: with only
 * cpu, the memory of its pair; with only memory, the cpu of its pair; with neither, 0.5 vCPU and 1 GiB.
 */
export function checkContainerAppsSize(input: { cpu?: number; memory?: number }): { size: ContainerAppsSize } | { problem: ContainerAppsSizeProblem } {
  const pairs = `allowed cpu/memory pairs: ${describeContainerAppsSizes()}`;
  const stepOf = (value: number, unit: number): number | undefined => (Number.isInteger(value / unit) && value / unit >= 1 && value / unit <= STEPS ? value / unit : undefined);
  if (input.cpu !== undefined && stepOf(input.cpu, CPU_STEP) === undefined) {
    return { problem: { key: 'cpu', message: `deploy.cpu ${input.cpu} is not a Container Apps CPU`, fix: `use a multiple of 256 from 256 to 4096 (1024 = 1 vCPU); ${pairs}` } };
  }
  if (input.memory !== undefined && stepOf(input.memory, MEMORY_STEP) === undefined) {
    return { problem: { key: 'memory', message: `deploy.memory ${input.memory} MiB is not a Container Apps memory size`, fix: `use a multiple of 512 from 512 to 8192 MiB; ${pairs}` } };
  }
  const cpuStep = input.cpu === undefined ? undefined : stepOf(input.cpu, CPU_STEP)!;
  const memoryStep = input.memory === undefined ? undefined : stepOf(input.memory, MEMORY_STEP)!;
  if (cpuStep !== undefined && memoryStep !== undefined && cpuStep !== memoryStep) {
    return {
      problem: {
        key: 'memory',
        message: `deploy.memory ${input.memory} MiB does not go with deploy.cpu ${input.cpu} on Container Apps (memory is always twice the vCPUs in GiB)`,
        fix: `with cpu ${input.cpu} use memory ${cpuStep * MEMORY_STEP}, or with memory ${input.memory} use cpu ${memoryStep * CPU_STEP}; ${pairs}`,
      },
    };
  }
  return { size: toSize(cpuStep ?? memoryStep ?? CONTAINER_APPS_DEFAULT_CPU / CPU_STEP) };
}
