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

/**
 * A line that the handoff inside a build step logged (`[2024-01-01 00:00:00]  WARNING - text`, raw from podman and
 * Docker's legacy builder, after `#7 0.532 ` from BuildKit): its level and text, so a warning of `workspace install`
 * stays a warning outside (shown at -l warning, found by a grep for WARNING). Undefined for any other line.
 */
export function parseInnerLogLine(line: string): { level: 'debug' | 'info' | 'warning' | 'error'; text: string } | undefined {
  const match = /^(?:#\d+ \d+(?:\.\d+)? )?\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]\s+([A-Z]+) - (.*)$/.exec(line);
  if (!match) return undefined;
  const levels: Record<string, 'debug' | 'info' | 'warning' | 'error'> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warning', ERROR: 'error', CRITICAL: 'error' };
  return { level: levels[match[1]!] ?? 'info', text: match[2]! };
}
