// The environment every cloud run starts with: HO_STAGE of the deployed stage, the run's envs, and how it was started.
import { UserError } from '../../errors.js';

/**
 * What the run's record says started it (`triggerFromEnv` of src/runs reads it; the local provider sets it too): set
 * last, so an env of the same name cannot make a schedule's run look like a person's.
 */
export const TRIGGER_ENV = 'HANDOFF_TRIGGER';

/**
 * The keys of a run's environment its starter set on purpose (a schedule's envs, `cloud run -e`), comma-separated.
 * A container cannot otherwise tell them from its image's or a shell's environment, and `handoff run` takes the
 * keys it names as `-e` values: over project.yml's envs and secrets of the same key (src/cli/commands/run-command.ts).
 */
export const OVERRIDES_ENV = 'HANDOFF_ENV_OVERRIDES';

// Set by handoff itself for every run, never an override of a project env.
const NOT_OVERRIDES = new Set(['HO_STAGE', '__VARS', TRIGGER_ENV, OVERRIDES_ENV]);

/** The value of OVERRIDES_ENV for a run started with these env keys; undefined when none is an override. */
export function nameOverrides(keys: Iterable<string>): string | undefined {
  const named = [...new Set([...keys].filter((key) => !NOT_OVERRIDES.has(key)))];
  return named.length > 0 ? named.join(',') : undefined;
}

/** The values of the keys OVERRIDES_ENV names in `env` (one handoff sets itself, or that `env` lacks, is left out). */
export function readOverrides(env: NodeJS.ProcessEnv): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const key of (env[OVERRIDES_ENV] ?? '').split(',')) {
    const value = key === '' || NOT_OVERRIDES.has(key) ? undefined : env[key];
    if (value !== undefined) overrides[key] = value;
  }
  return overrides;
}

/**
 * The container environment of a `cloud run`: HO_STAGE of the deployed stage, then the run's envs (which may not change
 * the stage), the names of those envs (OVERRIDES_ENV), then the trigger.
 */
export function createRunEnvironment(stage: string, envs: Record<string, string>): { name: string; value: string }[] {
  const environment = [{ name: 'HO_STAGE', value: stage }];
  for (const [name, value] of Object.entries(envs)) {
    if (name === 'HO_STAGE') {
      if (value !== stage) throw new UserError(`HO_STAGE=${value} contradicts the stage of the deployed task (${stage})`, { fix: `run with -s ${value}, or drop HO_STAGE from the envs` });
      continue;
    }
    if (name === TRIGGER_ENV || name === OVERRIDES_ENV) continue;
    environment.push({ name, value });
  }
  const overrides = nameOverrides(Object.keys(envs));
  if (overrides !== undefined) environment.push({ name: OVERRIDES_ENV, value: overrides });
  environment.push({ name: TRIGGER_ENV, value: 'cloud' });
  return environment;
}
