// What container build/run/push report while they work: log lines, build steps and the container CLI's own output.

export type ContainerEvent =
  | { type: 'log'; level: 'debug' | 'info' | 'warning'; message: string }
  /** A build step started (parsed from the CLI's output), for progress. */
  | { type: 'step'; step: number; total: number; instruction: string }
  /** A line the container CLI printed. */
  | { type: 'output'; line: string };

export type EmitContainerEvent = (event: ContainerEvent) => void;

/**
 * Reads a build step from a line of build output: podman/buildah (`STEP 3/12: RUN …`), Docker BuildKit in plain
 * progress (`#7 [3/12] RUN …`, `#7 [stage-0 3/12] RUN …`) and Docker's legacy builder (`Step 3/12 : RUN …`).
 */
export function parseBuildStep(line: string): { step: number; total: number; instruction: string } | undefined {
  const match =
    /^STEP (\d+)\/(\d+): (.*)$/.exec(line) ?? /^#\d+ \[(?:[^\]\s]+ )?(\d+)\/(\d+)\] (.*)$/.exec(line) ?? /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
  if (!match) return undefined;
  return { step: Number(match[1]), total: Number(match[2]), instruction: match[3]!.trim() };
}
