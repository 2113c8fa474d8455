// Plan, then apply, for clouds deployed resource by resource (no stacks): each resource read, compared as data, created or updated.
import { toCanonicalJson, diffPaths } from './canonical-json.js';
import type { DeployEvent, DeployStepResult } from '../deployment.js';

/**
 * One resource handoff manages, in the shape it compares: `desired` is what the project declares; `read` returns the
 * deployed resource in the same shape (only the fields handoff sets), undefined when there is none.
 */
export interface ResourceStep<T = unknown> {
  /** The deploy kind it belongs to: `bucket`, `resources`, `task`. */
  kind: string;
  /** What it is, for people: "Cloud Run job", "service account". */
  what: string;
  name: string;
  desired: T;
  read(): Promise<T | undefined>;
  create(): Promise<void>;
  update(): Promise<void>;
}

export interface PlannedStep {
  step: ResourceStep;
  action: 'create' | 'update' | 'unchanged';
  /** For an update: the paths that differ, e.g. `image`, `limits.memory`. */
  changes: string[];
}

export interface StepResult {
  kind: string;
  what: string;
  name: string;
  action: DeployStepResult;
}

/** Reads each resource and compares it with what is declared (as JSON values: key order does not matter). */
export async function planResourceSteps(steps: ResourceStep[]): Promise<PlannedStep[]> {
  const planned: PlannedStep[] = [];
  for (const step of steps) {
    const deployed = await step.read();
    if (deployed === undefined) planned.push({ step, action: 'create', changes: [] });
    else if (toCanonicalJson(deployed) === toCanonicalJson(step.desired)) planned.push({ step, action: 'unchanged', changes: [] });
    else planned.push({ step, action: 'update', changes: diffPaths(deployed, step.desired, '') });
  }
  return planned;
}

/** Applies planned steps in order, reporting each; unchanged ones are reported and left alone. */
export async function applyResourceSteps(planned: PlannedStep[], onEvent: (event: DeployEvent) => void): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const { step, action } of planned) {
    const base = { kind: step.kind, what: step.what, name: step.name };
    if (action === 'unchanged') {
      onEvent({ type: 'step-done', ...base, action: 'unchanged' });
      results.push({ ...base, action: 'unchanged' });
      continue;
    }
    onEvent({ type: 'step-start', ...base, action });
    if (action === 'create') await step.create();
    else await step.update();
    const done = action === 'create' ? 'created' : 'updated';
    onEvent({ type: 'step-done', ...base, action: done });
    results.push({ ...base, action: done });
  }
  return results;
}

/** A planned step as `cloud plan` prints it. */
export function describePlannedStep(planned: PlannedStep): { resource: string; what: string; kind: string; action: string; changes?: string[] } {
  const { step, action, changes } = planned;
  return { resource: step.name, what: step.what, kind: step.kind, action, ...(changes.length > 0 ? { changes } : {}) };
}
